import type { CoreDeps } from "../deps.ts";
import type { TaskEventRow } from "../store/store.ts";
import { oneLine, parseStreamLine, type TaskEvent } from "./stream-json.ts";

// What ccc records of a task besides Claude Code's own lines, and how both read back as progress.

/** One of ccc's own events about a task (step changes, the push, the pull request, the end). */
export interface CccTaskEvent {
  step: string;
  detail?: string;
}

/** One step of a task, as every door shows it (the same shape as a verb's ProgressEvent). */
export interface TaskProgress {
  taskId: string;
  step: string;
  /** Milliseconds since the task was accepted. */
  elapsedMs: number;
  detail?: string;
  /** The recorded event's number (what `GET /tasks/{id}?after=` takes); absent for provision steps. */
  seq?: number;
}

export type TaskListener = (progress: TaskProgress) => void;

export function recordCccEvent(
  deps: Pick<CoreDeps, "store" | "clock">,
  taskId: string,
  event: CccTaskEvent,
): TaskEventRow[] {
  return deps.store.tasks.appendEvents(
    taskId,
    [{ line: null, kind: "ccc", body: JSON.stringify(event) }],
    deps.clock.now(),
  );
}

/** A recorded event read back: Claude Code's typed events, or ccc's. */
export function readEvent(row: TaskEventRow): { claude: TaskEvent[] } | { ccc: CccTaskEvent } {
  if (row.line === null) {
    try {
      return { ccc: JSON.parse(row.body) as CccTaskEvent };
    } catch {
      return { ccc: { step: "unknown" } };
    }
  }
  return { claude: parseStreamLine(row.body) };
}

/** The progress a recorded event shows as (none for lines nobody needs to see, like tool results). */
export function progressOf(row: TaskEventRow, createdAt: Date): TaskProgress[] {
  const elapsedMs = row.at.getTime() - createdAt.getTime();
  const base = { taskId: row.taskId, elapsedMs, seq: row.seq };
  const read = readEvent(row);
  if ("ccc" in read) {
    return [{ ...base, step: read.ccc.step, ...(read.ccc.detail ? { detail: read.ccc.detail } : {}) }];
  }
  const shown: TaskProgress[] = [];
  for (const event of read.claude) {
    if (event.kind === "init") shown.push({ ...base, step: "claude_started", detail: "Claude Code started" });
    else if (event.kind === "tool_use") shown.push({ ...base, step: "tool", detail: event.summary });
    else if (event.kind === "text") shown.push({ ...base, step: "text", detail: oneLine(event.text, 200) });
    else if (event.kind === "tool_result" && event.isError) {
      shown.push({ ...base, step: "tool_error", detail: event.text });
    } else if (event.kind === "result") {
      shown.push({
        ...base,
        step: "claude_finished",
        detail: `${event.isError ? "stopped" : "finished"} after ${event.turns} turn${event.turns === 1 ? "" : "s"}`,
      });
    }
  }
  return shown;
}

/** The last events in words, for a failure's message. */
export function lastEventLines(deps: Pick<CoreDeps, "store">, taskId: string, n = 5): string[] {
  const task = deps.store.tasks.get(taskId);
  if (!task) return [];
  return deps.store.tasks
    .lastEvents(taskId, 30)
    .flatMap((row) => progressOf(row, task.createdAt))
    .filter((p) => p.detail)
    .slice(-n)
    .map((p) => `${p.step}: ${p.detail}`);
}
