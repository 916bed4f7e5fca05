// The task half of the SSH channel (`TaskChannel`): each call is one `ccc-apply` run with a task document on
// standard input (nix/packages/ccc-apply/task.mjs), over the same pinned, bounded connection as every other
// call, and its one JSON answer line turned into a typed result. Never throws for remote trouble.
import * as z from "zod";
import { type SshRun, tail, transportOutcome } from "../core/machine/ssh-outcome.ts";
import type { ApplyResult, MachineTarget } from "../core/ports/machine.ts";
import type {
  TaskPushResult,
  TaskReadResult,
  TaskStartDocument,
  TaskStartResult,
} from "../core/ports/task-machine.ts";
import {
  type WorkspaceDocument,
  type WorkspaceResult,
  workspaceAnswerSchema,
  workspaceDocumentSchema,
} from "../core/workspace/workspace-document.ts";
import { progressOf } from "../core/workspace/workspace-outcome.ts";

/** One `ssh root@machine ccc-apply` with `input` on stdin; the channel's own run. */
export type TaskSshRun = (
  target: MachineTarget,
  how: { input: string; timeoutMs?: number; maxBuffer?: number; onLine?: (line: string) => void },
) => Promise<SshRun>;

const TASK_ID = /^tsk-[a-z2-9]{8}$/;
/** A read answers up to 1 MB of lines from the machine; room for its JSON quoting. */
const READ_BUFFER = 4 * 1024 * 1024;
const SHORT_MS = 30_000;
const START_MS = 60_000;
/** A start that clones first: the workspace's own bound, then the start's. */
const CLONE_AND_START_MS = 11 * 60_000;
/** The longest a read asks the machine to wait for news (the machine allows 30 s). */
export const MAX_READ_WAIT_MS = 30_000;
const CANCEL_MS = 45_000;
const PUSH_MS = 6 * 60_000;

const startAnswer = z.object({
  ok: z.literal(true),
  unit: z.string().regex(/^ccc-task-tsk-[a-z2-9]{8}\.service$/),
});
const readAnswer = z.object({
  ok: z.literal(true),
  lines: z.array(z.string()),
  next: z.number().int().min(0),
  state: z.enum(["running", "exited", "unknown"]),
  exitCode: z.number().int().nullable(),
  signal: z.string().max(20).nullable(),
});
const cancelAnswer = z.object({ ok: z.literal(true), wasRunning: z.boolean() });
const pushAnswer = z.object({
  ok: z.literal(true),
  commits: z.number().int().min(0),
  diffStat: z.string(),
  baseBranch: z.string(),
  pushed: z.boolean(),
});
const pushRefusedAnswer = z.object({
  ok: z.literal(false),
  pushRefused: z.literal(true),
  error: z.string(),
  detail: z.string(),
});
const errorAnswer = z.object({ ok: z.literal(false), error: z.string() });

type Trouble = Exclude<ApplyResult, { kind: "ok" }>;

function startDocument(doc: TaskStartDocument): TaskStartDocument {
  return {
    kind: "task-start",
    version: 1,
    instanceId: doc.instanceId,
    taskId: doc.taskId,
    repoName: doc.repoName,
    branch: doc.branch,
    prompt: doc.prompt,
    maxTurns: doc.maxTurns,
    maxMinutes: doc.maxMinutes,
    resumeSessionId: doc.resumeSessionId,
    appendSystemPrompt: doc.appendSystemPrompt,
    ...(doc.git ? { git: { name: doc.git.name, email: doc.git.email } } : {}),
  };
}

export async function startTask(
  run: TaskSshRun,
  target: MachineTarget,
  doc: TaskStartDocument,
): Promise<TaskStartResult> {
  const outcome = answerOf(
    target,
    "start the task",
    await run(target, { input: JSON.stringify(startDocument(doc)), timeoutMs: START_MS }),
  );
  return startedOf(target, doc, outcome);
}

function startedOf(
  target: MachineTarget,
  doc: TaskStartDocument,
  outcome: { answer: unknown; detail: string } | { trouble: Trouble },
): TaskStartResult {
  if ("trouble" in outcome) return outcome.trouble;
  const answer = startAnswer.safeParse(outcome.answer);
  if (!answer.success || answer.data.unit !== `ccc-task-${doc.taskId}.service`) {
    return badAnswer(target, "start the task", outcome.detail);
  }
  return { kind: "ok", unit: answer.data.unit };
}

/**
 * The workspace document inside the start (one SSH session for the clone and the start): the workspace
 * mode's progress lines come first, then one answer with the workspace's answer beside the start's.
 */
export async function startTaskWithWorkspace(
  run: TaskSshRun,
  target: MachineTarget,
  doc: TaskStartDocument,
  workspace: WorkspaceDocument,
  onProgress: (text: string) => void,
): Promise<{ workspace: WorkspaceResult; started: TaskStartResult | null }> {
  const ran = await run(target, {
    input: JSON.stringify(startWithWorkspaceDocument(doc, workspace)),
    timeoutMs: CLONE_AND_START_MS,
    onLine: (line) => {
      const progress = progressOf(line);
      if (progress) onProgress(progress);
    },
  });
  // The answer is the last line; the progress lines before it were shown as they came.
  const answerLines = ran.stdout.split("\n").filter((l) => l.trim() !== "" && progressOf(l) === null);
  return startedWithWorkspaceOf(target, doc, { ...ran, stdout: answerLines.join("\n") });
}

/** The task-start document carrying its workspace document (checked), as the machine takes it. */
export function startWithWorkspaceDocument(
  doc: TaskStartDocument,
  workspace: WorkspaceDocument,
): TaskStartDocument & { workspace: WorkspaceDocument } {
  return { ...startDocument(doc), workspace: workspaceDocumentSchema.parse(workspace) };
}

/** A combined start's answer (`ran.stdout`: the answer line alone), the workspace's beside the start's. */
export function startedWithWorkspaceOf(
  target: MachineTarget,
  doc: TaskStartDocument,
  ran: SshRun,
): { workspace: WorkspaceResult; started: TaskStartResult | null } {
  const outcome = answerOf(target, "prepare the workspace and start the task", ran);
  const answered = workspaceAnswerSchema.safeParse(
    (lastJson(ran.stdout) as { workspace?: unknown } | null)?.workspace,
  );
  if (!answered.success) {
    const started = startedOf(target, doc, outcome);
    const message =
      started.kind === "ok" ? `${target.instanceId} gave no usable workspace answer.` : started.message;
    return {
      workspace: { kind: "failed", message, detail: started.kind === "ok" ? "" : started.detail },
      started: started.kind === "ok" ? badAnswer(target, "start the task", message) : started,
    };
  }
  const prepared: WorkspaceResult = { kind: "ok", answer: answered.data };
  // The repository could not be prepared: the machine started nothing and says so in the workspace answer.
  if (answered.data.repo && !answered.data.repo.ok) return { workspace: prepared, started: null };
  return { workspace: prepared, started: startedOf(target, doc, outcome) };
}

export async function readTask(
  run: TaskSshRun,
  target: MachineTarget,
  taskId: string,
  fromLine: number,
  waitMs = 0,
): Promise<TaskReadResult> {
  const wait = Math.max(0, Math.min(MAX_READ_WAIT_MS, Math.round(waitMs)));
  const doc = {
    kind: "task-read",
    version: 1,
    instanceId: target.instanceId,
    taskId: checkId(taskId),
    fromLine,
    // Sent only when waiting: a machine older than the long poll still takes the document.
    ...(wait > 0 ? { waitMs: wait } : {}),
  };
  const outcome = answerOf(
    target,
    "read the task",
    await run(target, {
      input: JSON.stringify(doc),
      timeoutMs: SHORT_MS + wait,
      maxBuffer: READ_BUFFER,
    }),
  );
  if ("trouble" in outcome) return outcome.trouble;
  const answer = readAnswer.safeParse(outcome.answer);
  if (!answer.success || answer.data.next !== fromLine + answer.data.lines.length) {
    return badAnswer(target, "read the task", outcome.detail);
  }
  const { lines, next, state, exitCode, signal } = answer.data;
  return { kind: "ok", lines, next, state, exitCode, signal };
}

export async function cancelTask(
  run: TaskSshRun,
  target: MachineTarget,
  taskId: string,
): Promise<Trouble | { kind: "ok" }> {
  const doc = { kind: "task-cancel", version: 1, instanceId: target.instanceId, taskId: checkId(taskId) };
  const outcome = answerOf(
    target,
    "stop the task",
    await run(target, { input: JSON.stringify(doc), timeoutMs: CANCEL_MS }),
  );
  if ("trouble" in outcome) return outcome.trouble;
  return cancelAnswer.safeParse(outcome.answer).success
    ? { kind: "ok" }
    : badAnswer(target, "stop the task", outcome.detail);
}

export async function pushTask(
  run: TaskSshRun,
  target: MachineTarget,
  taskId: string,
  repoName: string,
  branch: string,
): Promise<TaskPushResult> {
  const doc = {
    kind: "task-push",
    version: 1,
    instanceId: target.instanceId,
    taskId: checkId(taskId),
    repoName,
    branch,
  };
  const ran = await run(target, { input: JSON.stringify(doc), timeoutMs: PUSH_MS });
  const refused = ran.exitCode === 1 ? pushRefusedAnswer.safeParse(lastJson(ran.stdout)) : null;
  if (refused?.success) {
    return {
      kind: "push-refused",
      message: `${target.instanceId} could not push ${branch}: the remote refused it.`,
      detail: refused.data.detail,
    };
  }
  const outcome = answerOf(target, "push the task's branch", ran);
  if ("trouble" in outcome) return outcome.trouble;
  const answer = pushAnswer.safeParse(outcome.answer);
  if (!answer.success) return badAnswer(target, "push the task's branch", outcome.detail);
  const { commits, diffStat, baseBranch, pushed } = answer.data;
  return { kind: "ok", commits, diffStat, baseBranch, pushed };
}

/** The transport first (ssh's own trouble), then the contract: exit 0 one JSON line, 2 refused, 1 failed. */
function answerOf(
  target: MachineTarget,
  what: string,
  ran: SshRun,
): { answer: unknown; detail: string } | { trouble: Trouble } {
  const transport = transportOutcome(target, ran);
  if (transport) return { trouble: transport };
  const detail = tail(ran.stderr) || ran.failure || "";
  const at = `${target.instanceId} (${target.host})`;
  const answer = lastJson(ran.stdout);
  const error = errorAnswer.safeParse(answer);
  if (ran.exitCode === 2) {
    const reason = error.success ? error.data.error : "it gave no reason";
    return {
      trouble: {
        kind: "refused",
        reason,
        message: `${at} refused to ${what}: ${reason}`,
        detail: detail || reason,
      },
    };
  }
  if (ran.exitCode !== 0) {
    const why = error.success ? `: ${error.data.error}` : ` (exit code ${ran.exitCode})`;
    return {
      trouble: {
        kind: "failed",
        reason: "command-failed",
        message: `${at} could not ${what}${why}.`,
        detail,
      },
    };
  }
  return { answer, detail };
}

function badAnswer(target: MachineTarget, what: string, detail: string): Trouble {
  return {
    kind: "failed",
    reason: "bad-answer",
    message: `${target.instanceId} (${target.host}) answered "${what}" with something ccc does not understand.`,
    detail,
  };
}

function lastJson(stdout: string): unknown {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== 1) return null;
  try {
    return JSON.parse(lines[0] as string);
  } catch {
    return null;
  }
}

/** The id names a unit and a folder on the machine: only ever the pattern ccc makes. */
function checkId(taskId: string): string {
  if (!TASK_ID.test(taskId)) throw new Error(`not a task id: "${taskId.slice(0, 40)}"`);
  return taskId;
}
