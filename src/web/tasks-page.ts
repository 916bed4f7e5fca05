import type { TaskEventRow } from "../core/store/store.ts";
import { isTaskActive, type Task } from "../core/tasks/task.ts";
import { progressOf } from "../core/tasks/task-events.ts";
import { formatUtc } from "../render/time.ts";
import { type Html, html } from "./html.ts";
import { layout } from "./layout.ts";

// The dashboard's tasks (issue 22): the person's list (admins: everyone's), and one task with its live
// transcript. The page works without script; app.js appends new events as they are recorded.

export const TASKS_PATH = "/web/tasks";

const STATUS: Record<Task["status"], string> = {
  queued: "queued",
  starting: "starting",
  running: "running",
  pushing: "pushing",
  succeeded: "done",
  no_change: "no change",
  failed: "failed",
  cancelled: "cancelled",
};

/** One transcript line per thing worth showing in an event (none for tool results and the like). */
export function transcriptLines(
  row: TaskEventRow,
  createdAt: Date,
): { seq: number; at: string; text: string }[] {
  return progressOf(row, createdAt).map((p) => ({
    seq: row.seq,
    at: formatUtc(row.at),
    text: p.detail ? `${p.step}: ${p.detail}` : p.step,
  }));
}

function header(user: string, isAdmin: boolean): Html {
  return html`<span class="who">${user}${isAdmin ? " (admin)" : ""}</span> <a href="/">Machines</a> <a href="${TASKS_PATH}">Tasks</a>`;
}

export function tasksPage(d: { user: string; isAdmin: boolean; tasks: readonly Task[] }): Html {
  const rows = d.tasks.map(
    (t) =>
      html`<tr data-task="${t.id}"><td><a href="${TASKS_PATH}/${t.id}"><code>${t.id}</code></a></td>${d.isAdmin ? html`<td>${t.owner}</td>` : ""}<td>${t.repo}</td><td class="status">${STATUS[t.status]}</td><td>${t.turns}</td><td>${t.prUrl ? html`<a href="${t.prUrl}">pull request</a>` : ""}</td><td>${formatUtc(t.createdAt)}</td></tr>`,
  );
  return layout(
    "Tasks · ccc",
    html`<section aria-labelledby="tasks-h" class="card">
<h1 id="tasks-h">${d.isAdmin ? "Everyone's tasks" : "Your tasks"}</h1>
<p>Claude Code working on a repository on a machine of its own: ask with <code>/ccc task &lt;repo&gt; &lt;what to do&gt;</code>, <code>@ccc in &lt;repo&gt;: …</code> or <code>ccc task</code>.</p>
${
  d.tasks.length === 0
    ? html`<p class="empty">No tasks yet.</p>`
    : html`<table><thead><tr><th>Task</th>${d.isAdmin ? html`<th>Owner</th>` : ""}<th>Repository</th><th>Status</th><th>Turns</th><th>Pull request</th><th>Asked</th></tr></thead><tbody>${rows}</tbody></table>`
}
</section>`,
    header(d.user, d.isAdmin),
  );
}

export function taskPage(d: {
  user: string;
  isAdmin: boolean;
  task: Task;
  events: readonly TaskEventRow[];
}): Html {
  const t = d.task;
  const lines = d.events.flatMap((e) => transcriptLines(e, t.createdAt));
  const after = d.events.at(-1)?.seq ?? 0;
  return layout(
    `${t.id} · ccc`,
    html`<section aria-labelledby="task-h" class="card">
<h1 id="task-h">Task <code>${t.id}</code> on ${t.repo}</h1>
<p>Status: <strong id="task-status">${STATUS[t.status]}</strong>${t.failure ? html` — <span id="task-failure">${t.failure}</span>` : ""}</p>
<p>Branch <code>${t.branch}</code>${t.instanceId ? html`, machine <code>${t.instanceId}</code>` : ""}, <span id="task-turns">${t.turns}</span> of ${t.maxTurns} turns${t.prUrl ? html`, <a href="${t.prUrl}">pull request</a>` : ""}.</p>
<pre class="prompt">${t.prompt}</pre>
${t.summary && t.status !== "failed" ? html`<h2>Summary</h2><pre>${t.summary}</pre>` : ""}
${t.diffStat ? html`<h2>Changes</h2><pre>${t.diffStat}</pre>` : ""}
</section>
<section aria-labelledby="transcript-h" class="card">
<h2 id="transcript-h">Transcript</h2>
<ol id="transcript" data-task-events="${TASKS_PATH}/${t.id}/events" data-after="${after}" data-active="${isTaskActive(t.status)}">${lines.map(
      (l) => html`<li data-seq="${l.seq}"><time>${l.at}</time> ${l.text}</li>`,
    )}</ol>
</section>`,
    header(d.user, d.isAdmin),
  );
}
