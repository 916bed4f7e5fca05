import type { TaskEventRow } from "../core/store/store.ts";
import type { Task } from "../core/tasks/task.ts";
import { readEvent } from "../core/tasks/task-events.ts";
import { MACHINE_DELETED_STEP, type MachineDeletedEvent } from "../core/tasks/task-machine-gone.ts";

// What a task is doing, read from its recorded events (Claude Code's lines and ccc's own): the tool in
// use, the files it changed, ccc's latest step. Kept up incrementally (`lastSeq`), so a door that shows a
// task live reads each event once; rebuilt from the store after a restart.

/** Tools whose file argument Claude Code writes (Read and Glob only look). */
const WRITING_TOOLS = new Set(["Edit", "Write", "MultiEdit", "NotebookEdit"]);

export interface TaskActivity {
  /** The last event read. */
  lastSeq: number;
  /** The tool in use, until its turn ends. */
  tool: string | null;
  /** Files Claude Code edited or wrote, relative to the repository, first touch first. */
  files: string[];
  /** ccc's latest step in words ("Claude Code is running (ccc-task-…)"), or null. */
  step: string | null;
  /** The latest steps and tools, newest last (a few, for the end of a failure). */
  recent: string[];
  /** After the end: the machine's deletion as ccc recorded it (who deleted it, or why). */
  machineDeleted?: { by?: string; why?: string } | null;
}

export function emptyActivity(): TaskActivity {
  return { lastSeq: 0, tool: null, files: [], step: null, recent: [] };
}

/** A path under the repository's folder shown relative to it (Claude Code names files absolutely). */
export function repoRelative(path: string, repoName: string): string {
  const marker = `/work/${repoName}/`;
  const at = path.indexOf(marker);
  return at === -1 ? path : path.slice(at + marker.length);
}

/** The activity after `rows` (events after `activity.lastSeq`, in order). */
export function addEvents(
  activity: TaskActivity,
  task: Pick<Task, "repoName">,
  rows: readonly TaskEventRow[],
): TaskActivity {
  const next: TaskActivity = { ...activity, files: [...activity.files], recent: [...activity.recent] };
  const remember = (line: string) => {
    next.recent.push(line);
    if (next.recent.length > 8) next.recent.shift();
  };
  for (const row of rows) {
    if (row.seq <= next.lastSeq) continue;
    next.lastSeq = row.seq;
    const read = readEvent(row);
    if ("ccc" in read) {
      next.step = read.ccc.detail ?? read.ccc.step;
      if (read.ccc.step === MACHINE_DELETED_STEP) {
        const { by, why } = read.ccc as Partial<MachineDeletedEvent>;
        next.machineDeleted = { ...(by ? { by } : {}), ...(why ? { why } : {}) };
      }
      remember(`${read.ccc.step}: ${read.ccc.detail ?? ""}`.trim());
      continue;
    }
    for (const event of read.claude) {
      if (event.kind === "tool_use") {
        next.tool = repoRelativeText(event.summary, task.repoName);
        remember(next.tool);
        if (WRITING_TOOLS.has(event.name)) {
          for (const file of event.files) {
            const shown = repoRelative(file, task.repoName);
            if (!next.files.includes(shown)) next.files.push(shown);
          }
        }
      } else if (event.kind === "tool_result" && event.isError) {
        remember(`tool error: ${event.text}`);
      } else if (event.kind === "result") {
        next.tool = null;
        remember(`result: ${event.subtype}${event.isError ? " (error)" : ""}, ${event.turns} turns`);
      }
    }
  }
  return next;
}

/** `Edit /home/claude/work/api/src/a.ts` → `Edit src/a.ts`. */
function repoRelativeText(text: string, repoName: string): string {
  const folder = repoName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return text.replace(new RegExp(`[^\\s,]*/work/${folder}/`, "g"), "");
}
