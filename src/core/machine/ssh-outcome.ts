import type { ApplyResult, MachineTarget } from "../ports/machine.ts";
import { type ApplyDocument, answerMatches, applyAnswerSchema } from "./apply-document.ts";

/** What the ssh process did, as far as the outcome depends on it. */
export interface SshRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The ssh client is not installed. */
  missing: boolean;
  /** Why the process did not run or finish, when it has no exit code. */
  failure: string | undefined;
}

// ssh's own words (OpenSSH's fatal()/error() texts), checked before the exit code: 255 is also a
// legal exit code of a remote command.
const HOST_KEY_TROUBLE =
  /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed|host key is known/i;
const NO_CONNECTION =
  /connect to host|Connection (?:refused|timed out|reset|closed by)|timed out during banner exchange|No route to host|Network is unreachable|Could not resolve hostname|kex_exchange_identification/i;

/** Turns an ssh run into the channel's typed result. */
export function outcomeOf(target: MachineTarget, sent: ApplyDocument, run: SshRun): ApplyResult {
  const trouble = transportOutcome(target, run);
  if (trouble) return trouble;
  const detail = tail(run.stderr) || run.failure || "";
  const at = `${target.instanceId} (${target.host})`;
  const answer = parseAnswer(run.stdout);
  if (run.exitCode === 2) {
    const reason = answer?.ok === false ? answer.error : "it gave no reason";
    return {
      kind: "refused",
      reason,
      message: `${at} refused the update: ${reason}`,
      detail: detail || reason,
    };
  }
  if (run.exitCode !== 0) {
    const why = answer?.ok === false ? `: ${answer.error}` : ` (exit code ${run.exitCode})`;
    return failed("command-failed", `The update failed on ${at}${why}.`, detail);
  }
  if (!answer?.ok) {
    return failed("bad-answer", `${at} answered the update with something ccc does not understand.`, detail);
  }
  if (!answerMatches(sent, answer)) {
    return failed("answer-differs", `${at} wrote something other than what ccc sent.`, detail);
  }
  return {
    kind: "ok",
    applied: sent,
    ...(answer.packages ? { packages: answer.packages } : {}),
    ...(answer.sessions ? { sessions: answer.sessions } : {}),
  };
}

/**
 * What ssh itself made of the run before the command's answer counts: not installed, timed out, no
 * connection, a host key other than the pinned one. Null when the command ran and answered.
 */
export function transportOutcome(
  target: MachineTarget,
  run: SshRun,
): Exclude<ApplyResult, { kind: "ok" | "refused" }> | null {
  const detail = tail(run.stderr) || run.failure || "";
  const at = `${target.instanceId} (${target.host})`;
  if (run.missing) {
    return failed("ssh-missing", "The ssh client is not installed where ccc runs.", detail);
  }
  if (run.timedOut) {
    return failed(
      "timeout",
      `${at} did not finish the update in time; it may or may not have applied.`,
      detail,
    );
  }
  if (run.exitCode === undefined) {
    return failed("ssh-failed", `ccc could not run the update on ${at} over SSH.`, detail);
  }
  if (run.exitCode === 255) {
    if (HOST_KEY_TROUBLE.test(run.stderr)) {
      return {
        kind: "host-key-mismatch",
        message: `${at} did not show the host key ccc pinned when it was installed, so nothing was sent. Someone may be intercepting the connection; an admin should look.`,
        detail,
      };
    }
    if (NO_CONNECTION.test(run.stderr)) {
      return { kind: "unreachable", message: `${at} cannot be reached over SSH.`, detail };
    }
    if (!run.stdout.trim()) {
      return failed("ssh-failed", `ccc could not run the update on ${at} over SSH.`, detail);
    }
  }
  return null;
}

function failed(
  reason: Extract<ApplyResult, { kind: "failed" }>["reason"],
  message: string,
  detail: string,
): Extract<ApplyResult, { kind: "failed" }> {
  return { kind: "failed", reason, message, detail };
}

/** The one JSON line of the contract, or null when stdout is anything else. */
function parseAnswer(stdout: string): ReturnType<typeof applyAnswerSchema.parse> | null {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== 1) return null;
  try {
    const parsed = applyAnswerSchema.safeParse(JSON.parse(lines[0] as string));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function tail(text: string): string {
  return text.trim().split("\n").slice(-8).join("\n").slice(-1_000);
}
