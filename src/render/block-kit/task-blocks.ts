import { isSlackUserId } from "../../core/identity/identity.ts";
import type { Instance } from "../../core/instances/instance.ts";
import { changeRequestName } from "../../core/tasks/pull-request.ts";
import type { Task, TaskStatus } from "../../core/tasks/task.ts";
import type { TaskActivity } from "../task-activity.ts";
import { sshCommand } from "../text.ts";
import { hostKeyNote } from "./instance-blocks.ts";
import { type Block, context, dateToken, escapeText, plain, type SlackMessage, section } from "./mrkdwn.ts";

// A task's thread in Slack (issue 22): the one status message, edited in place while Claude Code
// works (step, tool, files touched, turns, elapsed) and, at the end, what came of it. Pure: the
// thread's state in, Block Kit out.

/** Action ids of a task's buttons; their value is only ever a task id. */
export const TASK_ACTIONS = {
  cancel: "ccc_task_cancel",
  shell: "ccc_task_shell",
  keep: "ccc_task_keep",
  deleteNow: "ccc_task_delete",
} as const;

export type TaskPhase = "starting" | "running" | "done" | "no-change" | "failed" | "cancelled";

/** What the thread's status message shows. */
export interface TaskStatusView {
  taskId: string;
  owner: string;
  repo: string;
  phase: TaskPhase;
  /** The step in a person's words ("claiming a machine", "Claude Code is working"). */
  step: string;
  /** The tool in use now ("Edit src/login.ts"), while running. */
  tool: string | null;
  files: readonly string[];
  turns: number;
  elapsedMs: number;
  /** The task's machine, once it has one. */
  instanceId: string | null;
  /** At the end: the model's own words about what it did. */
  summary?: string | null;
  diffStat?: string | null;
  prUrl?: string | null;
  /** What the forge calls it: "pull request" (GitHub, the default) or "merge request" (GitLab). */
  changeRequest?: string;
  /** US dollars, from the run's final `result` event. */
  costUsd?: number | null;
  /** Which way it failed ("the turn cap (50 turns) was reached"). */
  failure?: string | null;
  /** The last things that happened, for a failure. */
  lastEvents?: readonly string[];
  /** Who cancelled it. */
  cancelledBy?: string | null;
  /** After the end: whether the machine is still there for Keep / Delete now. */
  machine?: "live" | "kept" | "deleted" | null;
  /** Keep was pressed: the machine stays after the task (normal expiry applies). */
  kept?: boolean;
  /** After the end, unkept: when the machine is deleted (the end of its grace, CCC_TASK_GRACE_MINUTES). */
  deletesAt?: Date | null;
  /** Once it is deleted: who deleted it (a person), or why ccc did (the task's `machine_deleted` event). */
  machineDeleted?: { by?: string; why?: string } | null;
}

const HEAD: Record<TaskPhase, string> = {
  starting: ":hourglass_flowing_sand: Starting",
  running: ":gear: Working",
  done: ":white_check_mark: Done",
  "no-change": ":white_circle: No change",
  failed: ":x: Failed",
  cancelled: ":octagonal_sign: Cancelled",
};

/** Section text stays under Slack's 3,000 characters; the summary is the model's, so cut it. */
const MAX_TEXT = 2_800;

/** "2 min 13 s", "45 s", "1 h 2 min". */
export function elapsedText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "$0.42", "$0.0031". */
export function dollars(usd: number): string {
  return usd >= 0.1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`;
}

function cut(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function filesText(files: readonly string[]): string {
  if (files.length === 0) return "no files yet";
  const shown = files.slice(0, 5).map((f) => `\`${escapeText(f)}\``);
  const more = files.length > 5 ? ` and ${files.length - 5} more` : "";
  return `${files.length} file${files.length === 1 ? "" : "s"}: ${shown.join(", ")}${more}`;
}

function headline(v: TaskStatusView): string {
  const where = `\`${escapeText(v.repo)}\``;
  switch (v.phase) {
    case "starting":
    case "running":
      return `${HEAD[v.phase]} on ${where}: ${escapeText(v.step)}`;
    case "done":
      return v.prUrl
        ? `${HEAD.done}: <${v.prUrl}|${v.changeRequest ?? "pull request"}> on ${where}`
        : `${HEAD.done} on ${where}: the branch \`ccc/${v.taskId}\` is pushed`;
    case "no-change":
      return `${HEAD["no-change"]}: Claude Code changed nothing in ${where}, so there is no ${v.changeRequest ?? "pull request"}.`;
    case "failed":
      return `${HEAD.failed} on ${where}: ${escapeText(v.failure ?? "the task stopped")}`;
    case "cancelled":
      return `${HEAD.cancelled} on ${where}${v.cancelledBy ? ` by <@${v.cancelledBy}>` : ""}.`;
  }
}

function facts(v: TaskStatusView): string {
  const parts = [
    ...(v.phase === "running" && v.tool ? [`:hammer_and_wrench: ${escapeText(v.tool)}`] : []),
    filesText(v.files),
    `${v.turns} turn${v.turns === 1 ? "" : "s"}`,
    elapsedText(v.elapsedMs),
    ...(v.costUsd != null ? [dollars(v.costUsd)] : []),
    ...(v.instanceId ? [`machine \`${v.instanceId}\``] : []),
    `task \`${v.taskId}\``,
  ];
  return parts.join(" · ");
}

function button(actionId: string, text: string, taskId: string, extra: Record<string, unknown> = {}) {
  return { type: "button" as const, action_id: actionId, text: plain(text), value: taskId, ...extra };
}

function buttons(v: TaskStatusView): Block[] {
  const live = v.phase === "starting" || v.phase === "running";
  const elements: ReturnType<typeof button>[] = [];
  if (live) {
    elements.push(
      button(TASK_ACTIONS.cancel, "Cancel", v.taskId, {
        style: "danger",
        confirm: {
          title: plain("Cancel this task?"),
          text: plain("Claude Code is stopped; what it committed so far stays on the machine."),
          confirm: plain("Cancel it"),
          deny: plain("Let it run"),
          style: "danger",
        },
      }),
    );
  }
  const machineUp = v.instanceId !== null && (live || v.machine === "live" || v.machine === "kept");
  if (machineUp) elements.push(button(TASK_ACTIONS.shell, "Open shell", v.taskId));
  // While it runs, Keep spares the machine the deletion at the end; after it, Delete now ends it.
  const kept = v.machine === "kept" || v.kept === true;
  if (v.instanceId !== null && !kept && (live || v.machine === "live")) {
    elements.push(button(TASK_ACTIONS.keep, "Keep machine", v.taskId, { style: "primary" }));
  }
  if (!live && (v.machine === "live" || v.machine === "kept")) {
    elements.push(
      button(TASK_ACTIONS.deleteNow, "Delete now", v.taskId, {
        style: "danger",
        confirm: {
          title: plain("Delete this machine?"),
          text: plain(`${v.instanceId} and everything on it will be gone for good.`),
          confirm: plain("Delete"),
          deny: plain("Keep it"),
          style: "danger",
        },
      }),
    );
  }
  return elements.length > 0 ? [{ type: "actions", block_id: `task_actions:${v.taskId}`, elements }] : [];
}

/** The thread's status message, at any point of the task. */
export function taskStatusMessage(v: TaskStatusView): SlackMessage {
  const blocks: Block[] = [section(headline(v)), context(facts(v))];
  if (v.summary) blocks.push(section(cut(escapeText(v.summary))));
  if (v.diffStat) blocks.push(section(`\`\`\`${cut(v.diffStat.replaceAll("```", "'''"), 2_000)}\`\`\``));
  if (v.phase === "failed" && v.lastEvents && v.lastEvents.length > 0) {
    const last = v.lastEvents.slice(-8).join("\n").replaceAll("```", "'''");
    blocks.push(section(`Last events:\n\`\`\`${cut(last, 2_000)}\`\`\``));
  }
  if (v.machine === "kept" || (v.kept && v.instanceId && v.machine !== "deleted")) {
    blocks.push(context(`Machine \`${v.instanceId}\` kept after the task: it expires as usual.`));
  }
  if (v.machine === "deleted" && v.instanceId) {
    blocks.push(context(`Machine \`${v.instanceId}\` deleted.${deletedWhy(v.machineDeleted)}`));
  }
  if (v.machine === "live" && v.instanceId && v.deletesAt) {
    blocks.push(
      context(`This machine \`${v.instanceId}\` is deleted at ${dateToken(v.deletesAt)} unless you keep it.`),
    );
  }
  blocks.push(...buttons(v));
  return { text: fallbackText(v), blocks };
}

/** " <@U…> deleted it." / " The grace after the task ended." after "Machine … deleted.", from its event. */
function deletedWhy(deleted: TaskStatusView["machineDeleted"]): string {
  if (deleted?.by) {
    return ` ${isSlackUserId(deleted.by) ? `<@${deleted.by}>` : escapeText(deleted.by)} deleted it.`;
  }
  const why = deleted?.why?.trim().replace(/\.+$/, "");
  return why ? ` ${escapeText(`${why[0]?.toUpperCase()}${why.slice(1)}`)}.` : "";
}

function fallbackText(v: TaskStatusView): string {
  switch (v.phase) {
    case "starting":
    case "running":
      return `Task ${v.taskId} on ${v.repo}: ${v.step}`;
    case "done":
      return `Task ${v.taskId} on ${v.repo} is done${v.prUrl ? `: ${v.prUrl}` : ""}`;
    case "no-change":
      return `Task ${v.taskId} on ${v.repo} changed nothing`;
    case "failed":
      return `Task ${v.taskId} on ${v.repo} failed: ${v.failure ?? "it stopped"}`;
    case "cancelled":
      return `Task ${v.taskId} on ${v.repo} was cancelled`;
  }
}

/** The first answer in the thread, at once: who asked for what. */
export function taskAskedMessage(owner: string, repo: string, prompt: string): SlackMessage {
  const quoted = cut(escapeText(prompt), 2_500)
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
  return {
    text: `<@${owner}> asked for a task on ${repo}`,
    blocks: [section(`<@${owner}> asked for a task on \`${escapeText(repo)}\`:\n${quoted}`)],
  };
}

/** Shown in the thread when the ask is refused before anything is spent (no credential, over the limit). */
export function taskRefusedMessage(reason: string): SlackMessage {
  return { text: reason, blocks: [section(`:warning: ${escapeText(reason)}`)] };
}

const PHASE: Record<TaskStatus, TaskPhase> = {
  queued: "starting",
  starting: "starting",
  running: "running",
  pushing: "running",
  succeeded: "done",
  no_change: "no-change",
  failed: "failed",
  cancelled: "cancelled",
};

const STEP: Partial<Record<TaskStatus, string>> = {
  queued: "getting a machine ready",
  starting: "preparing the machine and the repository",
  running: "Claude Code is working",
};

/**
 * The status message's view of a task as the store has it, with what its events show (`activity`) and
 * whether its machine is still there (`machineUp`: null when it never had one, or it is gone).
 */
export function taskStatusView(
  task: Task,
  activity: TaskActivity,
  machineUp: boolean,
  now: Date,
  /** The machine's deadline while it is up (the end of its grace when the task ended unkept). */
  machineExpiresAt: Date | null = null,
): TaskStatusView {
  const phase = PHASE[task.status];
  const ended = task.finishedAt ?? (phase === "starting" || phase === "running" ? now : task.finishedAt);
  const step =
    task.status === "running"
      ? (STEP.running as string)
      : (activity.step ??
        (task.status === "pushing"
          ? `pushing the branch and opening the ${changeRequestName(task.forge)}`
          : STEP[task.status]) ??
        task.status);
  const cost = task.costUsd === null ? null : Number(task.costUsd);
  const cancelledBy =
    task.status === "cancelled" ? (/by (U[A-Z0-9]+)/.exec(task.failure ?? "")?.[1] ?? null) : null;
  return {
    taskId: task.id,
    owner: task.owner,
    repo: task.repo,
    phase,
    step,
    tool: activity.tool,
    files: activity.files,
    turns: task.turns,
    elapsedMs: (ended ?? now).getTime() - task.createdAt.getTime(),
    instanceId: task.instanceId,
    summary: phase === "done" || phase === "no-change" ? task.summary : null,
    diffStat: task.diffStat,
    prUrl: task.prUrl,
    changeRequest: changeRequestName(task.forge),
    costUsd: cost !== null && Number.isFinite(cost) ? cost : null,
    failure: task.status === "failed" ? task.failure : null,
    lastEvents: task.status === "failed" ? activity.recent : [],
    cancelledBy,
    kept: task.keep,
    machineDeleted: machineUp ? null : (activity.machineDeleted ?? null),
    deletesAt:
      machineUp && !task.keep && phase !== "starting" && phase !== "running" ? machineExpiresAt : null,
    machine:
      phase === "starting" || phase === "running"
        ? null
        : machineUp
          ? task.keep
            ? "kept"
            : "live"
          : "deleted",
  };
}

/** The Open shell DM: how to log in to the task's machine, and the host key to trust. */
export function taskShellMessage(
  task: Pick<Task, "id" | "repoName">,
  instance: Instance,
  login: string,
  sshPort?: number,
): SlackMessage {
  const ssh = sshCommand(instance, sshPort)?.replace("claude@", `${login}@`) ?? null;
  if (!ssh) {
    return {
      text: `${task.id}'s machine has no address yet`,
      blocks: [section(`${task.id}'s machine \`${instance.id}\` has no address yet: try again in a minute.`)],
    };
  }
  return {
    text: `${task.id}'s machine: ${ssh}`,
    blocks: [
      section(
        `:computer: Task \`${task.id}\` runs on *${instance.id}*: \`${ssh}\`, the repository in \`~/work/${escapeText(task.repoName)}\`, the run's log with \`journalctl -u ccc-task-${task.id}\`.`,
      ),
      ...hostKeyNote(instance, sshPort),
    ],
  };
}
