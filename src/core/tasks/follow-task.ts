import { setTimeout as sleep } from "node:timers/promises";
import { teamLimit, userLimit } from "../budget/check-budget.ts";
import { projected, standing } from "../budget/standing.ts";
import type { CoreDeps } from "../deps.ts";
import { takeLease } from "../lifecycle/leases.ts";
import { machineTarget } from "../ports/machine.ts";
import { stopTask, taskChannelOf } from "./end-task.ts";
import { finishTask, timeCapText } from "./finish-task.ts";
import { isAssistantLine, parseStreamLine } from "./stream-json.ts";
import { isTaskActive, type Task } from "./task.ts";
import { progressOf, type TaskListener } from "./task-events.ts";
import { tellTaskOwner } from "./tell-task-owner.ts";

/** How long the machine may not answer before the task is given up as lost (its server still listed). */
const UNREACHABLE_MS = 2 * 60_000;
/** How often the budget is looked at while a task runs. */
const BUDGET_EVERY_MS = 10_000;
/** The unit stops itself at its cap; ccc stops it this long after, if it did not. */
const TIME_CAP_GRACE_MS = 30_000;

export const taskLease = (taskId: string) => `task:${taskId}`;
/**
 * Held by whoever is getting a task going (`queued`, `starting`: its machine made ready, Claude Code
 * started), so a bot that finds one of those rows with nobody holding this knows the starter died.
 */
export const taskStartLease = (taskId: string) => `task-start:${taskId}`;

/**
 * Follows a running task's event stream on its machine to the end: every line recorded once, from the
 * last one recorded (so a second follower, or the bot after a restart, neither repeats nor loses one),
 * the caps and the budget watched, then the end (push, pull request, machine). Held under a lease: when
 * someone else follows it already, answers the task as it is.
 */
export async function followTask(
  deps: CoreDeps,
  taskId: string,
  onProgress: TaskListener = () => {},
  signal?: AbortSignal,
): Promise<Task> {
  const settings = deps.tasks;
  const lease = takeLease(deps, taskLease(taskId), settings.followLeaseMs);
  if (!lease) return deps.store.tasks.get(taskId) as Task;
  try {
    return await follow(deps, taskId, onProgress, signal);
  } finally {
    lease.release();
  }
}

/** `signal`: stop following (the bot shutting down); the task goes on, and the next follower takes it up. */
async function follow(
  deps: CoreDeps,
  taskId: string,
  onProgress: TaskListener,
  signal: AbortSignal | undefined,
): Promise<Task> {
  const settings = deps.tasks;
  const channel = taskChannelOf(deps);
  const first = deps.store.tasks.get(taskId);
  if (!first) throw new Error(`task ${taskId} vanished`);
  if (first.status !== "running")
    return first.status === "pushing" ? finishTask(deps, first, null, onProgress) : first;
  let unreachableSince: number | null = null;
  let budgetAt = 0;
  // The machine waits for news when the channel can ask it to (a machine built before that refuses the
  // field once, and is then read as before).
  let waits = channel.readWaits === true && settings.readWaitMs > 0;
  for (;;) {
    const task = deps.store.tasks.get(taskId) as Task;
    if (signal?.aborted) return task;
    // Cancelled (or stopped by a cap) by someone else meanwhile: they stopped the unit and end it.
    if (!isTaskActive(task.status)) return task;
    const instance = task.instanceId ? deps.store.get(task.instanceId) : null;
    if (!instance || instance.status === "deleted" || instance.status === "failed" || !instance.ipv4) {
      return lost(deps, task, "its machine is gone");
    }
    const nowMs = deps.clock.now().getTime();
    const target = machineTarget(instance, deps.timing.sshPort);
    const from = deps.store.tasks.nextLine(task.id);
    const read = waits
      ? await channel.read(target, task.id, from, settings.readWaitMs)
      : await channel.read(target, task.id, from);
    if (read.kind === "refused" && waits) {
      waits = false;
      continue;
    }
    if (read.kind !== "ok") {
      unreachableSince ??= nowMs;
      const server =
        instance.hetznerServerId === null
          ? null
          : await deps.cloud.getServer(instance.hetznerServerId).catch(() => undefined);
      if (server === null || server?.status === "deleting") {
        return lost(deps, task, "its server was deleted at Hetzner");
      }
      if (nowMs - unreachableSince > UNREACHABLE_MS)
        return lost(
          deps,
          task,
          `it has not answered for ${Math.round(UNREACHABLE_MS / 60_000)} minutes (${read.message})`,
        );
      await sleep(settings.pollMs);
      continue;
    }
    unreachableSince = null;
    record(deps, task, read.lines, read.next - read.lines.length, onProgress);
    if (read.state === "exited")
      return finishTask(
        deps,
        deps.store.tasks.get(taskId) as Task,
        { exitCode: read.exitCode, signal: read.signal },
        onProgress,
      );
    const startedMs = (task.startedAt ?? task.createdAt).getTime();
    if (nowMs - startedMs > task.maxMinutes * 60_000 + TIME_CAP_GRACE_MS) {
      return stopTask(deps, task, "failed", "time_cap", timeCapText(task));
    }
    if (nowMs - budgetAt >= BUDGET_EVERY_MS) {
      budgetAt = nowMs;
      const over = overBudget(deps, task.owner);
      if (over) return stopTask(deps, task, "failed", "budget_exceeded", over);
    }
    // A read that waited on the machine is the pause; read again at once.
    if (!waits) await sleep(settings.pollMs);
  }
}

/** Records new lines (each once) and tells the listener what they show; keeps turns and the session id. */
function record(
  deps: CoreDeps,
  task: Task,
  lines: readonly string[],
  from: number,
  onProgress: TaskListener,
): void {
  if (lines.length === 0) return;
  const events = lines.map((body, i) => ({ line: from + i, kind: "claude", body }));
  const added = deps.store.tasks.appendEvents(task.id, events, deps.clock.now());
  let turns = task.turns;
  let sessionId = task.sessionId;
  for (const row of added) {
    if (isAssistantLine(row.body)) turns += 1;
    for (const event of parseStreamLine(row.body)) {
      if (event.kind === "init" && event.sessionId) sessionId = event.sessionId;
      if (event.kind === "result") turns = event.turns;
    }
    for (const progress of progressOf(row, task.createdAt)) onProgress(progress);
  }
  if (turns !== task.turns || sessionId !== task.sessionId) {
    deps.store.tasks.update(task.id, { turns, sessionId }, deps.clock.now());
  }
}

async function lost(deps: CoreDeps, task: Task, why: string): Promise<Task> {
  const ended = await stopTask(
    deps,
    task,
    "failed",
    "machine_lost",
    `The task's machine was lost: ${why}. What it had done is gone unless it was pushed.`,
  );
  if (ended.failureCode === "machine_lost") await tellTaskOwner(deps, ended);
  return ended;
}

/** The reason a running task must stop for money, or null: the person's or the team's budget is spent. */
function overBudget(deps: CoreDeps, owner: string): string | null {
  const now = deps.clock.now();
  for (const [limit, who] of [
    [userLimit(deps, owner), owner],
    [teamLimit(deps), undefined],
  ] as const) {
    if (!limit) continue;
    if (projected(standing(deps.store, now, who)) > limit.amount) {
      return `The ${limit.scope === "user" ? "monthly budget" : "team's monthly budget"} is spent, so the task was stopped.`;
    }
  }
  return null;
}
