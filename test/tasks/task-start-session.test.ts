// A task's start on a pool machine in one SSH session (issue 22's figures): the pipeline leaves the clone to
// the task's start, which carries the workspace document; what the clone came to is recorded as for any
// machine. A machine whose ccc-apply predates that refuses the field: then the two go separately, as before.
// Everything real but the clouds: the pool machine's real sshd and ccc-apply, the real claude.
import { afterEach, describe, expect, it } from "vitest";
import { startTask } from "../../src/commands/task.ts";
import type { TaskStartResult } from "../../src/core/ports/task-machine.ts";
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

async function runTask(t: TaskWorld): Promise<{ status: string; steps: string[] }> {
  const started = await startTask(
    { deps: t.w.deps, actor: OWNER },
    { owner: "opal", repo: "acme/app", prompt: "Look around; change nothing.", wait: true },
  );
  const steps: string[] = [];
  const iterator = started.work[Symbol.asyncIterator]();
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { status: next.value.status, steps };
    steps.push(`${next.value.step}: ${next.value.detail ?? ""}`);
  }
}

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "a task's start on a pool machine",
  () => {
    it("clones in the same session as the start, and records what the clone came to", async () => {
      api = await startFakeAnthropic({ keys: [API_KEY] });
      const t = await startTaskWorld({ machineEnv: realTaskMachines });
      world = t;
      useAnthropic(t, api);
      const machine = await t.warmMachine();
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
