import type { CoreDeps } from "../deps.ts";
import { machineTarget } from "../ports/machine.ts";
import { endTask, stopTask, taskChannelOf } from "./end-task.ts";
import { changeRequestName, existingPullRequest, openPullRequest } from "./pull-request.ts";
import { parseStreamLine, type TaskEvent } from "./stream-json.ts";
import type { Task, TaskFailureCode } from "./task.ts";
import { taskCostEur } from "./task-cost.ts";
import { recordCccEvent, type TaskListener } from "./task-events.ts";

/**
 * Claude Code exited: its cost recorded (counted in budgets), then by its result — a cap or an error is a
 * failure with the reason; else the branch is pushed and the pull request opened, or "no change" said.
 * `exit` is null when a follower picks up a task that was pushing already.
 */
export async function finishTask(
  deps: CoreDeps,
  task: Task,
  exit: { exitCode: number | null; signal: string | null } | null,
  onProgress: TaskListener,
): Promise<Task> {
  const now = () => deps.clock.now();
  const tell = (step: string, detail: string) => {
    for (const row of recordCccEvent(deps, task.id, { step, detail })) {
      onProgress({
        taskId: task.id,
        step,
        detail,
        elapsedMs: now().getTime() - task.createdAt.getTime(),
        seq: row.seq,
      });
    }
  };
  const result = recordedResult(deps, task.id);
  if (result) {
    deps.store.tasks.update(
      task.id,
      {
        // At the cap Claude Code counts the turn it did not take (3 for --max-turns 2): the cap is what ran.
        turns: result.subtype === "error_max_turns" ? Math.min(result.turns, task.maxTurns) : result.turns,
        ...(result.sessionId ? { sessionId: result.sessionId } : {}),
        ...(result.costUsd !== null
          ? { costUsd: String(result.costUsd), costEur: taskCostEur(deps, result.costUsd).toString() }
          : {}),
        summary: result.text,
      },
      now(),
    );
  }
  if (task.status === "running") {
    const failed = failureOf(task, result, exit, now());
    if (failed) {
      const stopped = await stopTask(deps, task, "failed", failed.code, failed.text);
      onProgress({
        taskId: task.id,
        step: "failed",
        detail: failed.text,
        elapsedMs: now().getTime() - task.createdAt.getTime(),
      });
      return stopped;
    }
    deps.store.tasks.update(task.id, { status: "pushing" }, now());
    tell("pushing", `pushing ${task.branch}`);
  }
  const instance = task.instanceId ? deps.store.get(task.instanceId) : null;
  if (!instance)
    return stopTask(
      deps,
      task,
      "failed",
      "machine_lost",
      "The task's machine was lost before its work was pushed.",
    );
  const pushed = await taskChannelOf(deps).push(
    machineTarget(instance, deps.timing.sshPort),
    task.id,
    task.repoName,
    task.branch,
  );
  if (pushed.kind === "push-refused") {
    return stopTask(
      deps,
      task,
      "failed",
      "push_refused",
      `The push of ${task.branch} was refused: ${pushed.message}.`,
    );
  }
  if (pushed.kind !== "ok") {
    return stopTask(
      deps,
      task,
      "failed",
      "machine_lost",
      `The branch could not be pushed: ${pushed.message}.`,
    );
  }
  if (pushed.commits === 0) {
    deps.store.tasks.finish(task.id, { status: "no_change" }, now());
    tell("no_change", `Claude Code changed nothing, so there is no ${changeRequestName(task.forge)}.`);
    return endTask(deps, deps.store.tasks.get(task.id) as Task, onProgress);
  }
  deps.store.tasks.update(task.id, { diffStat: pushed.diffStat }, now());
  tell("pushed", `${pushed.commits} commit${pushed.commits === 1 ? "" : "s"} on ${task.branch}`);
  const parent = task.parentId ? (deps.store.tasks.get(task.parentId) ?? null) : null;
  const current = deps.store.tasks.get(task.id) as Task;
  // A reply on the branch of the pull request its earlier task opened: the push put the commits on it.
  const existing = existingPullRequest(current, parent);
  if (existing) {
    deps.store.tasks.finish(task.id, { status: "succeeded", prUrl: existing }, now());
    tell("pr_updated", existing);
    return endTask(deps, deps.store.tasks.get(task.id) as Task, onProgress);
  }
  const pr = await openPullRequest(deps, current, pushed.baseBranch, current.summary ?? "");
  if (pr.kind === "opened") {
    deps.store.tasks.finish(task.id, { status: "succeeded", prUrl: pr.url }, now());
    tell("pr_opened", pr.url);
  } else if (parent?.branch === task.branch && pr.kind === "refused" && pr.reason === "already-exists") {
    // A reply on a branch with a pull request ccc did not record (one made by hand): the commits are on it.
    const name = changeRequestName(task.forge);
    deps.store.tasks.finish(task.id, { status: "succeeded" }, now());
    tell("pr_updated", `the ${name} open for ${task.branch} has the new commits`);
  } else if (pr.kind === "unsupported") {
    deps.store.tasks.finish(task.id, { status: "succeeded" }, now());
    tell("pushed_only", pr.message);
  } else {
    const text = `The branch ${task.branch} is pushed, but the ${changeRequestName(task.forge)} was not opened: ${pr.message}.`;
    deps.store.tasks.finish(task.id, { status: "failed", failureCode: "pr_refused", failure: text }, now());
    tell("failed", text);
  }
  return endTask(deps, deps.store.tasks.get(task.id) as Task, onProgress);
}

function failureOf(
  task: Task,
  result: ReturnType<typeof recordedResult>,
  exit: { exitCode: number | null; signal: string | null } | null,
  now: Date,
): { code: TaskFailureCode; text: string } | null {
  if (result?.subtype === "error_max_turns") {
    return {
      code: "turn_cap",
      text: `Claude Code reached the turn cap (${task.maxTurns} turn${task.maxTurns === 1 ? "" : "s"}) before it finished.`,
    };
  }
  if (result?.isError) {
    return {
      code: "api_error",
      // Claude Code's own words often end in a full stop already.
      text: `Claude Code stopped with an error: ${result.text.trim().replace(/\.+$/, "") || result.subtype || "no reason given"}.`,
    };
  }
  if (result) return null;
  const ranMs = now.getTime() - (task.startedAt ?? task.createdAt).getTime();
  if (exit?.signal && ranMs >= task.maxMinutes * 60_000 - 5_000)
    return { code: "time_cap", text: timeCapText(task) };
  const how = exit?.signal
    ? `was stopped (${exit.signal})`
    : `exited with status ${exit?.exitCode ?? "unknown"}`;
  return { code: "api_error", text: `Claude Code ${how} without a result.` };
}

export function timeCapText(task: Task): string {
  return `The task reached its time cap (${task.maxMinutes} minute${task.maxMinutes === 1 ? "" : "s"}) and was stopped.`;
}

/** The last `result` among a task's recorded lines (a follower after a restart reads it back). */
export function recordedResult(
  deps: Pick<CoreDeps, "store">,
  taskId: string,
): Extract<TaskEvent, { kind: "result" }> | null {
  for (const row of deps.store.tasks.lastEvents(taskId, 20).reverse()) {
    if (row.line === null) continue;
    const result = parseStreamLine(row.body).find((e) => e.kind === "result");
    if (result?.kind === "result") return result;
  }
  return null;
}
