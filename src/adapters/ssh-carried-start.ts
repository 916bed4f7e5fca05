// A task's pool machine in one SSH session (`TaskCarryingChannel.applyWithTask`): the hand-over document carries
// the owner's secrets and the task's start (with its workspace). The machine answers the hand-over on its own
// line as soon as it wrote it, so ccc checks it and renames the server while the clone goes on; the clone's
// progress lines and the start's answer (`{"task": …}`) follow in the same session. See ccc-apply.mjs,
// applyThenTask.
import type { ApplyDocument } from "../core/machine/apply-document.ts";
import { outcomeOf, type SshRun, transportOutcome } from "../core/machine/ssh-outcome.ts";
import type { CarriedOutcome, CarriedTaskStart } from "../core/ports/carried-start.ts";
import type { ApplyResult, MachineTarget } from "../core/ports/machine.ts";
import type { TaskStartDocument } from "../core/ports/task-machine.ts";
import {
  nestedSecretsOutcome,
  type SecretsApplyResult,
  type SecretsDocument,
} from "../core/secrets/secrets-document.ts";
import { progressOf } from "../core/workspace/workspace-outcome.ts";
import { startedWithWorkspaceOf } from "./ssh-task-channel.ts";

/** One `ssh root@machine ccc-apply` as the channel runs it; `onSpawn` gets what stops it. */
export type CarriedSshRun = (
  target: MachineTarget,
  how: {
    input: string;
    timeoutMs: number;
    onLine: (line: string) => void;
    onSpawn: (stop: () => void) => void;
  },
) => Promise<SshRun>;

/** The whole session: the hand-over's bound, then the clone's and the start's (as a combined start's). */
const SESSION_MS = 12 * 60_000;

export type CarriedHandOver = {
  applied: ApplyResult;
  secrets: SecretsApplyResult | null;
  task: CarriedTaskStart | null;
};

/**
 * Sends `input` (the hand-over with `secrets` and `task`) and answers once the hand-over's own line came
 * (or the session ended without one, or `handOverMs` passed: then the session is stopped). A hand-over
 * whose answer ccc does not take stops the session at once, so the machine starts nothing.
 */
export async function handOverWithTask(
  run: CarriedSshRun,
  target: MachineTarget,
  sent: ApplyDocument,
  input: string,
  secrets: SecretsDocument,
  start: TaskStartDocument,
  handOverMs: number,
): Promise<CarriedHandOver> {
  const progress: string[] = [];
  let listeners: ((text: string) => void)[] = [];
  let stop = () => {};
  let first: string | null = null;
  let gotFirst = () => {};
  const firstCame = new Promise<void>((resolve) => {
    gotFirst = resolve;
  });
  const session = run(target, {
    input,
    timeoutMs: SESSION_MS,
    onSpawn: (s) => {
      stop = s;
    },
    onLine: (line) => {
      if (line.trim() === "") return;
      const text = progressOf(line);
      if (text !== null) {
        progress.push(text);
        for (const listener of listeners) listener(text);
      } else if (first === null) {
        first = line;
        gotFirst();
      }
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), handOverMs);
  });
  const came = await Promise.race([
    firstCame.then(() => "line" as const),
    session.then(() => "ended" as const),
    late,
  ]);
  clearTimeout(timer);
  const line = first as string | null;
  if (came === "late") {
    stop();
    return {
      applied: outcomeOf(target, sent, { ...(await session), timedOut: true }),
      secrets: null,
      task: null,
    };
  }
  if (line === null || !isOk(line)) {
    // Refused or failed: the machine answered once and ends (or ended without an answer).
    const ran = await session;
    return {
      applied: outcomeOf(target, sent, line === null ? ran : { ...ran, stdout: line }),
      secrets: null,
      task: null,
    };
  }
  const applied = outcomeOf(target, sent, {
    exitCode: 0,
    stdout: line,
    stderr: "",
    timedOut: false,
    missing: false,
    failure: undefined,
  });
  if (applied.kind !== "ok") {
    stop();
    return { applied, secrets: null, task: null };
  }
  const outcome = session.then((ran) => carriedOutcomeOf(target, start, ran));
  return {
    applied,
    secrets: nestedSecretsOutcome(target, secrets, line),
    task: {
      outcome,
      follow(next) {
        for (const text of progress) next(text);
        listeners.push(next);
      },
      abandon() {
        listeners = [];
        stop();
      },
    },
  };
}

function isOk(line: string): boolean {
  try {
    return (JSON.parse(line) as { ok?: unknown }).ok === true;
  } catch {
    return false;
  }
}

/** The session's end: its last line, `{"task": <the start's answer>}`, as a combined start's answer. */
export function carriedOutcomeOf(
  target: MachineTarget,
  start: TaskStartDocument,
  ran: SshRun,
): CarriedOutcome {
  const lines = ran.stdout.split("\n").filter((l) => l.trim() !== "" && progressOf(l) === null);
  let task: unknown;
  try {
    task = (JSON.parse(lines.at(-1) ?? "") as { task?: unknown }).task;
  } catch {
    task = undefined;
  }
  const answer = typeof task === "object" && task !== null ? (task as Record<string, unknown>) : null;
  // Refused or not run before anything was prepared (no workspace answer): ccc starts the task on its own.
  if (
    !transportOutcome(target, ran) &&
    answer &&
    answer.ok === false &&
    !("workspace" in answer) &&
    (answer.refused || answer.notStarted)
  ) {
    return {
      kind: "not-started",
      reason: typeof answer.error === "string" ? answer.error.slice(0, 300) : "",
    };
  }
  // As a combined start answers: exit 0 and the answer for a start, 1 and the error for anything else.
  const exitCode = ran.exitCode === 0 && answer ? (answer.ok === true ? 0 : 1) : ran.exitCode;
  const stdout = answer ? JSON.stringify(answer) : "";
  return { kind: "done", ...startedWithWorkspaceOf(target, start, { ...ran, exitCode, stdout }) };
}
