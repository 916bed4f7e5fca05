import type { SshRun } from "../machine/ssh-outcome.ts";
import type { MachineTarget } from "../ports/machine.ts";
import { type WorkspaceResult, workspaceAnswerSchema } from "./workspace-document.ts";

/** The text of one `{"progress":"…"}` line, or null for any other line. */
export function progressOf(line: string): string | null {
  try {
    const parsed = JSON.parse(line) as { progress?: unknown };
    return typeof parsed.progress === "string" ? parsed.progress.slice(0, 300) : null;
  } catch {
    return null;
  }
}

/** Turns the ssh run of a workspace document into a typed result; ssh's words stay in `detail`. */
export function workspaceOutcome(target: MachineTarget, run: SshRun): WorkspaceResult {
  const detail = run.stderr.trim().split("\n").slice(-5).join("\n") || run.failure || "";
  const at = `${target.instanceId} (${target.host})`;
  if (run.missing)
    return { kind: "failed", message: "The ssh client is not installed where ccc runs.", detail };
  if (run.timedOut) return { kind: "failed", message: `${at} did not finish preparing in time.`, detail };
  const last = run.stdout.trim().split("\n").at(-1) ?? "";
  let answer: unknown;
  try {
    answer = JSON.parse(last);
  } catch {
    return { kind: "failed", message: `ccc could not prepare ${at} over SSH.`, detail };
  }
  const parsed = workspaceAnswerSchema.safeParse(answer);
  if (parsed.success && run.exitCode === 0) return { kind: "ok", answer: parsed.data };
  const error = (answer as { error?: unknown } | null)?.error;
  return {
    kind: "failed",
    message: typeof error === "string" ? error.slice(0, 300) : `${at} gave no usable answer.`,
    detail,
  };
}
