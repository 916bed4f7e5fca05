// A task's start on a pool machine (issue 22's figures). The pool claim's hand-over carries the task's clone
// and start: one SSH session for the hand-over, the secrets, the clone and the start, the hand-over answered
// at once (so the server is renamed while the machine clones). A machine whose ccc-apply predates that
// refuses the field and gets the older steps: the clone with the start in a session of their own; one older
// still gets the clone and the start separately. Half-way failures are said in plain words.
// Everything real but the clouds: the pool machine's real sshd and ccc-apply, the real claude.
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startTask } from "../../src/commands/task.ts";
import type { TaskStartResult } from "../../src/core/ports/task-machine.ts";
import { cancelTask } from "../../src/core/tasks/end-task.ts";
import type { WorkspaceResult } from "../../src/core/workspace/workspace-document.ts";
import { type FakeAnthropic, startFakeAnthropic } from "../../stand-ins/fake-anthropic.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import {
  API_KEY,
  OWNER,
  realTaskMachines,
  startTaskWorld,
  type TaskWorld,
  useAnthropic,
} from "./flow-world.ts";

const PACKAGES = resolve(import.meta.dirname, "../../nix/packages");
// Not under the tests' own temporary folder (root's alone): the claude user runs the task's runner from here.
const older = mkdtempSync(join(dirname(tmpdir()) === "/" ? tmpdir() : "/tmp", "ccc-apply-older-"));
chmodSync(older, 0o755);
afterAll(() => rmSync(older, { recursive: true, force: true }));

/**
 * The machine's packages as an older machine has them: a copy (the runner beside ccc-apply, the claude user's
 * tools beside it), each file edited by `edits` ([file under ccc-apply/, the text, what it was before]).
 */
function olderApply(name: string, edits: [file: string, now: string, before: string][]): string {
  const dir = join(older, name);
  cpSync(PACKAGES, dir, { recursive: true });
  chmodSync(dir, 0o755);
  for (const [file, now, before] of edits) {
    const path = join(dir, "ccc-apply", file);
    const text = readFileSync(path, "utf8");
    if (!text.includes(now)) throw new Error(`${file} no longer has ${now}`);
    writeFileSync(path, text.replace(now, before));
  }
  return join(dir, "ccc-apply/ccc-apply.mjs");
}

// Before the hand-over carried the task: the document with `task` is refused as an unknown field.
const BEFORE_CARRY: [string, string, string] = [
  "ccc-apply.mjs",
  '"secrets" in doc && "task" in doc) {',
  "false) {",
];
// Before the start carried the workspace: a task-start with `workspace` is refused.
const BEFORE_COMBINED: [string, string, string] = [
  "task.mjs",
  'const OPTIONAL = { "task-start": ["git", "workspace"]',
  'const OPTIONAL = { "task-start": ["git"]',
];

let world: TaskWorld | undefined;
let api: FakeAnthropic | undefined;
afterEach(async () => {
  await world?.close();
  await api?.close();
  world = undefined;
  api = undefined;
});

/** Counts the calls of `name` on a real object (the channel the task uses), passing them on. */
function counted(target: object, name: string, instead?: (...args: unknown[]) => unknown): { calls: number } {
  const object = target as Record<string, unknown>;
  const original = object[name] as (...args: unknown[]) => unknown;
  const count = { calls: 0 };
  object[name] = (...args: unknown[]) => {
    count.calls += 1;
    return instead ? instead(...args) : original.apply(target, args);
  };
  return count;
}

async function runTask(t: TaskWorld): Promise<{ status: string; failure: string | null; steps: string[] }> {
  const started = await startTask(
    { deps: t.w.deps, actor: OWNER },
    { owner: "opal", repo: "acme/app", prompt: "Look around; change nothing.", wait: true },
  );
  const steps: string[] = [];
  const iterator = started.work[Symbol.asyncIterator]();
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { status: next.value.status, failure: next.value.failure, steps };
    steps.push(`${next.value.step}: ${next.value.detail ?? ""}`);
  }
}

/** The channel calls that open an SSH session on the way to Claude Code, counted. */
function sessions(t: TaskWorld) {
  const channel = t.w.deps.taskChannel as object;
  return {
    carried: counted(t.w.deps.machine, "applyWithTask"),
    together: counted(channel, "startWithWorkspace"),
    alone: counted(channel, "start"),
    workspace: counted(t.w.deps.machine, "workspace"),
    secrets: counted(t.w.deps.machine, "applySecrets"),
  };
}
const counts = (c: ReturnType<typeof sessions>) =>
  [c.carried, c.together, c.alone, c.workspace, c.secrets].map((x) => x.calls);

async function worldWith(program?: string): Promise<TaskWorld> {
  api = await startFakeAnthropic({ keys: [API_KEY] });
  const t = await startTaskWorld({ machineEnv: realTaskMachines, ...(program ? { program } : {}) });
  world = t;
  useAnthropic(t, api);
  return t;
}

/** The systemd-run calls the machines made (each a unit started), from the stand-in tools' log. */
function unitsStarted(t: TaskWorld): number {
  const log = join(t.u.dir, "tools.jsonl");
  if (!existsSync(log)) return 0;
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((line) => line.includes('"tool":"systemd-run"')).length;
}

/** Units the systemd stand-in holds as running (a unit that ended is forgotten: --collect). */
function activeUnits(t: TaskWorld): number {
  const dir = join(t.u.dir, "units");
  return readdirSync(dir).filter((f) => {
    if (!f.endsWith(".service.json")) return false;
    try {
      const state = (JSON.parse(readFileSync(join(dir, f), "utf8")) as { state?: string }).state;
      return state === "active" || state === "activating" || state === "deactivating";
    } catch {
      return false;
    }
  }).length;
}

async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until no ccc-apply runs for the machine at `root` (a session ccc closed may go on a while). */
async function waitForIdle(root: string): Promise<void> {
  const running = () =>
    readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .some((pid) => {
        try {
          const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
          return argv.some((a) => a.endsWith("ccc-apply.mjs")) && argv.includes(root);
        } catch {
          return false;
        }
      });
  const deadline = Date.now() + 60_000;
  while (running()) {
    if (Date.now() > deadline) throw new Error("the machine's command still runs");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "a task's start on a pool machine",
  () => {
    it("goes with the hand-over: one session for the hand-over, the secrets, the clone and the start", async () => {
      const t = await worldWith();
      const machine = await t.warmMachine();
      api?.script({ text: "Nothing to change." });
      const c = sessions(t);

      const done = await runTask(t);

      expect(done.status).toBe("no_change");
      expect(counts(c)).toEqual([1, 0, 0, 0, 0]);
      expect(done.steps).toContain("preparing_workspace: Cloning into ~/work/app");
      expect(t.w.deps.store.workspaces.outcome(machine.id)?.outcome.repo).toMatchObject({
        ok: true,
        action: "cloned",
        path: "/home/claude/work/app",
      });
      // The machine was handed over (no fresh install) and its server renamed as the owner's.
      const events = t.w.deps.store.events(machine.id).map((e) => e.kind);
      expect(events).not.toContain("pool_claim_failed");
      expect(api?.requests.length).toBe(1);
    }, 180_000);

    it("a clone that fails in the hand-over's session is said, and nothing is started", async () => {
      const t = await worldWith();
      await t.warmMachine();
      const started = await startTask(
        { deps: t.w.deps, actor: OWNER },
        { owner: "opal", repo: "acme/app", prompt: "Look around; change nothing.", wait: true },
      );
      // Readable when asked; by the clone, only with a token the owner does not have.
      t.gh.addRepo("acme/app", { private: true, tokens: ["ghp_someoneelse0123456789abcdefghijklmno"] });
      const c = sessions(t);
      const iterator = started.work[Symbol.asyncIterator]();
      let next = await iterator.next();
      while (!next.done) next = await iterator.next();

      expect(next.value.status).toBe("failed");
      expect(next.value.failure).toMatch(/^The repository could not be prepared on the machine: .+\.$/);
      expect(counts(c)).toEqual([1, 0, 0, 0, 0]);
      expect(unitsStarted(t)).toBe(0);
      expect(api?.requests.length).toBe(0);
    }, 180_000);

    it("a start that fails in the hand-over's session is said, after the clone", async () => {
      const t = await worldWith();
      await t.warmMachine();
      // The machine's systemd-run is gone: the unit cannot be started.
      rmSync(join(t.u.dir, "task-bin/systemd-run"));
      writeFileSync(
        join(t.u.dir, "task-bin/systemd-run"),
        "#!/bin/sh\necho 'Failed to start transient service unit' >&2\nexit 1\n",
        { mode: 0o755 },
      );
      const c = sessions(t);

      const done = await runTask(t);

      expect(done.status).toBe("failed");
      expect(counts(c)).toEqual([1, 0, 0, 0, 0]);
      expect(done.steps).toContain("preparing_workspace: Cloning into ~/work/app");
      expect(done.failure).toMatch(/^Claude Code could not be started on the machine: .*systemd-run failed/);
      expect(api?.requests.length).toBe(0);
    }, 180_000);

    it("a task cancelled during the hand-over's session leaves nothing running on its kept machine", async () => {
      const t = await worldWith();
      const machine = await t.warmMachine();
      // A model that thinks until the test ends: a Claude Code started there would still be running.
      let answer = () => {};
      const held = new Promise<void>((resolve) => {
        answer = resolve;
      });
      // biome-ignore lint/suspicious/noThenProperty: the stand-in's held turn names what follows `then`.
      api?.script({ hold: held, then: { text: "Nothing to change." } });
      const started = await startTask(
        { deps: t.w.deps, actor: OWNER },
        { owner: "opal", repo: "acme/app", prompt: "Look around; change nothing.", wait: true, keep: true },
      );
      const id = started.accepted.task.id;
      // Cancelled as the server is renamed: the machine has answered the hand-over and is cloning.
      const cloud = t.w.deps.cloud as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const rename = cloud.renameServer as (...args: unknown[]) => Promise<unknown>;
      cloud.renameServer = async (...args: unknown[]) => {
        await cancelTask(t.w.deps, OWNER, id);
        return rename.apply(t.w.deps.cloud, args);
      };
      const iterator = started.work[Symbol.asyncIterator]();
      let next = await iterator.next();
      while (!next.done) next = await iterator.next();

      expect(next.value.status).toBe("cancelled");
      expect(t.w.deps.store.get(machine.id)?.status).toBe("ready");
      // The machine may have started the unit before it saw the session closed: then it was stopped.
      await waitForIdle(machine.root);
      await waitFor("no unit running", () => activeUnits(t) === 0);
      answer();
    }, 180_000);

    it("a machine that refuses the task in the hand-over gets the clone with the start in a session of their own", async () => {
      const t = await worldWith(olderApply("before-carry", [BEFORE_CARRY]));
      const machine = await t.warmMachine();
      api?.script({ text: "Nothing to change." });
      const c = sessions(t);

      const done = await runTask(t);

      expect(done.status).toBe("no_change");
      // The refused hand-over and the hand-over with the secrets alone are inside the one call.
      expect(counts(c)).toEqual([1, 1, 0, 0, 0]);
      expect(done.steps).toContain("preparing_workspace: Cloning into ~/work/app");
      expect(t.w.deps.store.events(machine.id).map((e) => e.kind)).not.toContain("pool_claim_failed");
      expect(t.w.deps.store.workspaces.outcome(machine.id)?.outcome.repo).toMatchObject({ ok: true });
      expect(api?.requests.length).toBe(1);
    }, 180_000);

    it("a machine that refuses the workspace in a start gets the clone and the start separately, after the hand-over", async () => {
      // Its hand-over takes the task, but its task mode refuses the workspace: the refusal comes half-way,
      // after the hand-over was answered and checked.
      const t = await worldWith(olderApply("before-combined", [BEFORE_COMBINED]));
      const machine = await t.warmMachine();
      api?.script({ text: "Nothing to change." });
      const c = sessions(t);

      const done = await runTask(t);

      expect(done.status).toBe("no_change");
      expect(counts(c)).toEqual([1, 1, 1, 1, 0]);
      expect(t.w.deps.store.events(machine.id).map((e) => e.kind)).not.toContain("pool_claim_failed");
      expect(t.w.deps.store.workspaces.outcome(machine.id)?.outcome.repo).toMatchObject({
        ok: true,
        action: "cloned",
      });
      expect(api?.requests.length).toBe(1);
    }, 180_000);

    it("without the hand-over carrying it, clones in the same session as the start, and records what the clone came to", async () => {
      api = await startFakeAnthropic({ keys: [API_KEY] });
      const t = await startTaskWorld({ machineEnv: realTaskMachines });
      world = t;
      useAnthropic(t, api);
      const machine = await t.warmMachine();
      // A channel without the carried start (as one built before it).
      (t.w.deps.machine as unknown as Record<string, unknown>).applyWithTask = undefined;
      api.script({ text: "Nothing to change." });
      const channel = t.w.deps.taskChannel as object;
      const together = counted(channel, "startWithWorkspace");
      const alone = counted(channel, "start");
      const workspace = counted(t.w.deps.machine, "workspace");

      const done = await runTask(t);

      expect(done.status).toBe("no_change");
      expect([together.calls, alone.calls, workspace.calls]).toEqual([1, 0, 0]);
      expect(done.steps).toContain("preparing_workspace: Cloning into ~/work/app");
      expect(t.w.deps.store.workspaces.outcome(machine.id)?.outcome.repo).toMatchObject({
        ok: true,
        action: "cloned",
        path: "/home/claude/work/app",
      });
      expect(api.requests.length).toBe(1);
    }, 180_000);

    it("a machine that refuses the combined start gets the clone and the start separately", async () => {
      api = await startFakeAnthropic({ keys: [API_KEY] });
      const t = await startTaskWorld({ machineEnv: realTaskMachines });
      world = t;
      useAnthropic(t, api);
      const machine = await t.warmMachine();
      (t.w.deps.machine as unknown as Record<string, unknown>).applyWithTask = undefined;
      api.script({ text: "Nothing to change." });
      const channel = t.w.deps.taskChannel as object;
      // What an older ccc-apply answers: the field is unknown, nothing was done.
      const reason = "unknown task-start fields: 1";
      const refused: { workspace: WorkspaceResult; started: TaskStartResult } = {
        workspace: { kind: "failed", message: reason, detail: "" },
        started: { kind: "refused", reason, message: `refused: ${reason}`, detail: reason },
      };
      const together = counted(channel, "startWithWorkspace", async () => refused);
      const alone = counted(channel, "start");
      const workspace = counted(t.w.deps.machine, "workspace");

      const done = await runTask(t);

      expect(done.status).toBe("no_change");
      expect([together.calls, alone.calls, workspace.calls]).toEqual([1, 1, 1]);
      expect(t.w.deps.store.workspaces.outcome(machine.id)?.outcome.repo).toMatchObject({
        ok: true,
        action: "cloned",
      });
      expect(api.requests.length).toBe(1);
    }, 180_000);
  },
);
