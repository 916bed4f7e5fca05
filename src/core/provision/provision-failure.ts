import { ExternalError } from "../errors.ts";
import { clause } from "../sentence.ts";

/** `installing_software` comes only for a pool machine with extras (a fresh install builds them in). */
export type ProvisionStep =
  | "creating_server"
  | "waiting_for_ssh"
  | "installing"
  | "installing_software"
  /** Only for a machine given a kept work volume: the volume mounted at the work folder. */
  | "mounting_volume"
  /** After ready: the repository cloned, its devShell built, the dotfiles run (src/core/workspace). */
  | "preparing_workspace"
  | "ready";

/**
 * What became of the server after a failed provision: `deleted`; `none` when no server was made;
 * `left` when deleting it failed too (the reconciler deletes it later); `unknown` when the failure
 * came from outside the provision's own cleanup (a bug, a busy lease).
 */
export type ServerAfterFailure = "deleted" | "none" | "left" | "unknown";

/** A provision that failed after work began, as a value every door reads the same way. */
export interface ProvisionFailure {
  instanceId: string;
  /** The step under way when it failed; `null` when it failed before the first. */
  step: ProvisionStep | null;
  /** What failed, in plain words safe to show the user: no paths, raw output or upstream text. */
  reason: string;
  /** What failed in full (upstream text, installer lines, paths): for the logs, the audit trail and admins. */
  detail: string;
  /** True when someone deleted the machine while it was built: what broke after that is a consequence. */
  deletedMeanwhile: boolean;
  server: ServerAfterFailure;
  /** Why deleting the server failed, when `server` is `left`. */
  cleanupError: string | null;
}

/** True when a server may still be running (and billed): an admin must hear of it. */
export function serverLeft(failure: ProvisionFailure): boolean {
  return failure.server === "left" || failure.server === "unknown";
}

/** What became of the server, in one clause: the words every door shows. */
export function serverOutcomeText(failure: ProvisionFailure): string {
  switch (failure.server) {
    case "deleted":
      return "the server was deleted";
    case "none":
      return "no server was left running";
    case "left":
      return "deleting the server failed too; the reconciler will retry";
    case "unknown":
      return "deleting the server failed or was not tried; the reconciler will check";
  }
}

/** The failure in one sentence: "<id> failed: <reason>; <what became of the server>." */
export function describeFailure(failure: ProvisionFailure): string {
  return `${failure.instanceId} failed: ${clause(failure.reason)}; ${serverOutcomeText(failure)}.`;
}

/** The same with the full detail (upstream text, installer lines, paths): for the operator's CLI and logs. */
export function describeFailureInFull(failure: ProvisionFailure): string {
  const cleanup = failure.cleanupError ? ` (${failure.cleanupError})` : "";
  return `${failure.instanceId} failed: ${clause(failure.detail) || "no detail"}; ${serverOutcomeText(failure)}${cleanup}.`;
}

/**
 * A provision that failed after work began; `failure` says what failed and what became of the server.
 * Its message is the full detail (for the operator's CLI and the logs); `failure.reason` is what users see.
 */
export class ProvisionError extends ExternalError {
  constructor(
    readonly failure: ProvisionFailure,
    original: unknown,
  ) {
    const from = original instanceof ExternalError ? original : null;
    super(from?.source ?? "installer", from?.code ?? "provision_failed", failure.detail, {
      cause: original,
      ...(from?.status ? { status: from.status } : {}),
    });
  }
}

/**
 * The failure an error from a provision stands for: a ProvisionError's own, or for anything else
 * (a bug, a busy lease) one that says the server's fate is unknown, with `reason` as the words to show.
 */
export function failureOf(error: unknown, instanceId: string, reason: string): ProvisionFailure {
  if (error instanceof ProvisionError) return error.failure;
  return {
    instanceId,
    step: null,
    reason,
    detail: error instanceof Error ? error.message : String(error),
    deletedMeanwhile: false,
    server: "unknown",
    cleanupError: null,
  };
}
