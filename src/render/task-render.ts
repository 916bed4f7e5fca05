import { moneyJson } from "../core/billing/money.ts";
import type { TaskEventRow } from "../core/store/store.ts";
import { changeRequestName } from "../core/tasks/pull-request.ts";
import type { Task } from "../core/tasks/task.ts";
import { progressOf, type TaskProgress } from "../core/tasks/task-events.ts";
import { textTable } from "./text.ts";
import { formatTime, formatUtc } from "./time.ts";

// How a task is shown in the terminal and as JSON (the CLI's --json and the API answer alike).

const STATUS_TEXT: Record<Task["status"], string> = {
  queued: "queued",
  starting: "starting",
  running: "running",
  pushing: "pushing",
  succeeded: "done",
  no_change: "done, no change",
  failed: "failed",
  cancelled: "cancelled",
};

/** `deletesAt`: the end of an unkept machine's grace after the task (see `machineDeletesAt`), when known. */
export function taskJson(task: Task, deletesAt?: Date | null) {
  return {
    id: task.id,
    owner: task.owner,
    repo: task.repo,
    prompt: task.prompt,
    branch: task.branch,
    instanceId: task.instanceId,
    status: task.status,
    failure: task.failure,
    failureCode: task.failureCode,
    sessionId: task.sessionId,
    turns: task.turns,
    maxTurns: task.maxTurns,
    maxMinutes: task.maxMinutes,
    cost: task.costEur === null ? null : moneyJson(BigInt(task.costEur)),
    reportedUsd: task.costUsd,
    summary: task.summary,
    diffStat: task.diffStat,
    prUrl: task.prUrl,
    keep: task.keep,
    parentId: task.parentId,
    createdAt: task.createdAt.toISOString(),
    startedAt: task.startedAt?.toISOString() ?? null,
    finishedAt: task.finishedAt?.toISOString() ?? null,
    ...(deletesAt !== undefined ? { machineDeletesAt: deletesAt?.toISOString() ?? null } : {}),
  };
}

export function taskEventJson(row: TaskEventRow) {
  const shown = progressOf(row, row.at);
  return {
    seq: row.seq,
    at: row.at.toISOString(),
    source: row.line === null ? ("ccc" as const) : ("claude" as const),
    /**
     * Claude Code's stream-json line verbatim (or ccc's own event as JSON), as text: it carries Claude
     * Code's own fields (its dollar cost among them), which are not ccc's answer's shape.
     */
    raw: row.body,
    shown: shown.map((p) => ({ step: p.step, ...(p.detail ? { detail: p.detail } : {}) })),
  };
}

/** `[  12.3s] tsk-…: Edit src/login.ts`. */
export function taskProgressLine(p: Pick<TaskProgress, "taskId" | "step" | "elapsedMs" | "detail">): string {
  return `[${(p.elapsedMs / 1000).toFixed(1).padStart(6)}s] ${p.taskId}: ${p.detail ?? p.step}`;
}

/** The line under a result while the unkept machine waits out its grace. */
export function graceLine(task: Pick<Task, "id" | "instanceId">, deletesAt: Date): string {
  return `This machine (${task.instanceId}) is deleted at ${formatUtc(deletesAt)} unless you keep it: ccc tasks keep ${task.id} (or ccc tasks delete ${task.id} now).`;
}

export function taskText(task: Task, lastEvents: readonly string[] = [], deletesAt?: Date | null): string {
  const lines = [`Task ${task.id} on ${task.repo}: ${STATUS_TEXT[task.status]}.`];
  if (task.instanceId) lines.push(`Machine: ${task.instanceId}${task.keep ? " (kept)" : ""}`);
  lines.push(`Branch: ${task.branch}`);
  lines.push(`Turns: ${task.turns} of ${task.maxTurns}`);
  if (task.costEur !== null) {
    lines.push(`Claude Code's cost: €${moneyJson(BigInt(task.costEur)).amount} ($${task.costUsd ?? "?"})`);
  }
  if (task.failure) lines.push(`Why: ${task.failure}`);
  const changeRequest = changeRequestName(task.forge);
  if (task.prUrl) lines.push(`${changeRequest[0]?.toUpperCase()}${changeRequest.slice(1)}: ${task.prUrl}`);
  if (task.status === "no_change") lines.push(`No change was made, so there is no ${changeRequest}.`);
  if (task.diffStat) lines.push(`Changes:\n${indent(task.diffStat)}`);
  if (task.summary && task.status !== "failed") lines.push(`Summary:\n${indent(task.summary)}`);
  if (lastEvents.length > 0 && (task.status === "failed" || task.status === "cancelled")) {
    lines.push(`Last events:\n${indent(lastEvents.join("\n"))}`);
  }
  if (deletesAt) lines.push(graceLine(task, deletesAt));
  return lines.join("\n");
}

export function taskTable(tasks: readonly Task[]): string {
  if (tasks.length === 0) return "No tasks.";
  return textTable(
    ["ID", "OWNER", "REPO", "STATUS", "TURNS", "CREATED", "PR"],
    tasks.map((t) => [
      t.id,
      t.owner,
      t.repo,
      STATUS_TEXT[t.status],
      String(t.turns),
      formatTime(t.createdAt),
      t.prUrl ?? "",
    ]),
  );
}

function indent(text: string): string {
  return text
    .trim()
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
