import type { CoreDeps } from "../deps.ts";
import { followTask, taskLease } from "./follow-task.ts";
import { recoverUnstartedTasks } from "./recover-tasks.ts";
import type { TaskListener } from "./task-events.ts";

/**
 * Follows every running task nobody follows (the CLI started it without --wait, or the bot that followed
 * it stopped or crashed and its hold lapsed): each from the last line recorded, in the background.
 * Tasks left queued or starting by a starter that died are carried on or failed (recover-tasks.ts).
 * Answers the ids it took up. The bot calls it at its start and on every sweep.
 */
export function followUnfollowedTasks(
  deps: CoreDeps,
  onProgress: TaskListener = () => {},
  signal?: AbortSignal,
): string[] {
  if (!deps.taskChannel) return [];
  const now = deps.clock.now().getTime();
  const taken: string[] = [];
  for (const task of deps.store.tasks.active()) {
    if (task.status !== "running" && task.status !== "pushing") continue;
    if (deps.store.leaseHolder(taskLease(task.id), now)) continue;
    taken.push(task.id);
    void followTask(deps, task.id, onProgress, signal).catch((error: unknown) =>
      deps.log.error("following a task failed", { task: task.id, reason: String(error) }),
    );
  }
  return [...taken, ...recoverUnstartedTasks(deps, onProgress, signal)];
}
