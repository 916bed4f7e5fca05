// What the lifecycle tests with the real Claude Code share (test/tasks/task-life-real*.test.ts,
// test/api/tasks-real.test.ts): the task world with real machines (real sshd, the real ccc-apply, the systemd
// stand-ins, the real `claude` as the claude user) and the Anthropic stand-in; a held model turn the test
// opens (or never does); a clock ccc's side can be moved on; the machine's own event log; and a clean-up
// that stops every unit still running, so no claude outlives its test.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { Clock } from "../../src/core/ports/clock.ts";
import type { Notice, Notifier } from "../../src/core/ports/notifier.ts";
import type { Task } from "../../src/core/tasks/task.ts";
import { type FakeAnthropic, type FakeTurn, startFakeAnthropic } from "../../stand-ins/fake-anthropic.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import type { ClaudeUser } from "../helpers/claude-user.ts";
import {
  API_KEY,
  GH_TOKEN,
  OWNER,
  realTaskMachines,
  startTaskWorld,
  type TaskWorld,
  useAnthropic,
} from "./flow-world.ts";

export interface RealLife {
  t: TaskWorld;
  api: FakeAnthropic;
  machine: { id: string; ip: string; root: string };
  /** The repository's clone on the machine. */
  repo: string;
  close(): Promise<void>;
}

/** A world whose machines run tasks for real; `machineEnv` adds to the machines' (e.g. the time scale). */
export async function startRealLife(
  options: {
    machineEnv?: Record<string, string>;
    env?: Record<string, string>;
    /** Whose tasks (with a Claude key and a GitHub token); the CLI's operator "opal" by default. */
    owner?: string;
  } = {},
): Promise<RealLife> {
  const owner = options.owner ?? OWNER.id;
  const api = await startFakeAnthropic({ keys: [API_KEY] });
  let t: TaskWorld;
  try {
    t = await startTaskWorld({
      machineEnv: (u) => ({ ...realTaskMachines(u), ...options.machineEnv }),
      // No grace after a result here: these cases look at the task's end itself (the grace has its own tests,
      // test/tasks/task-grace.test.ts and test/bot/task-slack-real-reply.test.ts).
      env: { CCC_TASK_GRACE_MINUTES: "0", ...options.env },
    });
  } catch (error) {
    await api.close();
    throw error;
  }
  if (owner !== OWNER.id) {
    t.setSecret("ANTHROPIC_API_KEY", API_KEY, owner);
    t.setSecret("GITHUB_TOKEN", GH_TOKEN, owner);
  }
  useAnthropic(t, api, owner);
  // Commits need an identity: the person's.
  t.w.deps.store.prefs.update(owner, { gitName: "Opal", gitEmail: "opal@example.com" }, new Date());
  const machine = await t.warmMachine();
  return {
    t,
    api,
    machine,
    repo: join(machine.root, "home/claude/work/app"),
    close: async () => {
      await stopAllUnits(t.u);
      await t.close();
      await api.close();
    },
  };
}

/** A model turn held open until `release()` (or forever): Claude Code waits mid-run, as on a slow model. */
export function heldTurn(then: FakeTurn): { turn: FakeTurn; release(): void } {
  let release: () => void = () => {};
  const hold = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { turn: { hold, then }, release: () => release() };
}

/** The turns of a task that writes NOTES.md and commits it, then says so (as task-e2e's). */
export function commitTurns(repo: string): FakeTurn[] {
  return [
    { toolUse: { name: "Write", input: { file_path: join(repo, "NOTES.md"), content: "Notes\n" } } },
    {
      toolUse: {
        name: "Bash",
        input: { command: "git add NOTES.md && git commit -q -m 'Add notes'", description: "Commit" },
      },
    },
    { text: "I added NOTES.md and committed it." },
  ];
}

/** The real clock, which the test may move on (`jump`): ccc's side of a unit whose time runs scaled. */
export function movableClock(): Clock & { jump(ms: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      }),
    jump: (ms) => {
      offset += ms;
    },
  };
}

/** Claude Code's lines as the machine has them in the task's events.jsonl. */
export function machineEventLines(root: string, taskId: string): string[] {
  const file = join(root, "var/lib/ccc/tasks", taskId, "events.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean);
}

/** Whether the task's unit is still there (the systemd stand-in's state file). */
export function unitRunning(u: ClaudeUser, taskId: string): boolean {
  return existsSync(join(u.dir, "units", `ccc-task-${taskId}.service.json`));
}

/** What the machine's tools were asked (systemctl stop, systemd-run…). */
export function toolCalls(u: ClaudeUser): { tool: string; argv: string[] }[] {
  const log = join(u.dir, "tools.jsonl");
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** Stops every unit still running (as `systemctl stop` does) and waits for them to be gone. */
export async function stopAllUnits(u: ClaudeUser): Promise<void> {
  const dir = join(u.dir, "units");
  if (!existsSync(dir)) return;
  const states = () => readdirSync(dir).filter((f) => f.endsWith(".service.json"));
  for (const file of states()) {
    try {
      const { supervisor } = JSON.parse(readFileSync(join(dir, file), "utf8")) as { supervisor?: number };
      if (supervisor) process.kill(supervisor, "SIGTERM");
    } catch {}
  }
  await waitForState(() => states().length === 0, 20_000, "every unit stopped").catch(() => {});
}

export const ENDED = ["succeeded", "no_change", "failed", "cancelled"];

/** A task row as `ccc task` records it (owner opal, acme/app), left in `status` by a starter that died. */
export function leftBehind(
  l: RealLife,
  id: string,
  status: "queued" | "starting",
  instanceId: string | null,
  slack: Task["slack"] = null,
): void {
  const { store } = l.t.w.deps;
  const inserted = store.tasks.insertUnder(
    {
      id,
      owner: "opal",
      actor: "opal",
      repo: "acme/app",
      repoUrl: `${l.t.gh.url}/acme/app.git`,
      repoName: "app",
      repoPath: "acme/app",
      forge: "github",
      prompt: "Add a NOTES.md",
      branch: `ccc/${id}`,
      instanceId,
      maxTurns: 10,
      maxMinutes: 10,
      slack,
      parentId: null,
      createdAt: new Date(),
    },
    10,
  );
  expect(inserted).toBe(true);
  store.tasks.update(id, { status }, new Date());
}

export function recordingNotifier(): Notifier & { notices: Notice[] } {
  const notices: Notice[] = [];
  return {
    notices,
    notify: async (n) => {
      notices.push(n);
      return "sent";
    },
  };
}
