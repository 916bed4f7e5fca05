import type { CoreDeps } from "../deps.ts";
import type { Task } from "./task.ts";

/**
 * Tells a task's owner how it ended when something outside the run ended it (its machine lost, ccc
 * restarted while it was starting): a task with a Slack thread says it there already (the thread is drawn
 * from what ccc recorded), any other one (the CLI's, the API's) gets a direct message. Never throws.
 */
export async function tellTaskOwner(deps: Pick<CoreDeps, "notifier" | "log">, task: Task): Promise<void> {
  if (task.slack?.statusTs) return;
  try {
    await deps.notifier.notify({
      kind: "user_alert",
      user: task.owner,
      text: `Your task ${task.id} on ${task.repo} failed: ${task.failure ?? "no reason recorded"} (\`ccc tasks show ${task.id}\` has its events.)`,
    });
  } catch (error) {
    deps.log.warn("task owner not told", { task: task.id, reason: String(error) });
  }
}
