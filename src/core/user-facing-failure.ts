import { CccError, ExternalError, isRefusal } from "./errors.ts";
import { softwareInstallFailure } from "./software/install-failure.ts";

/**
 * A failure ccc itself put in plain words (the reconciler's "the install was interrupted by a
 * restart of ccc"): shown to users as it is.
 */
export class PlainFailure extends CccError {
  readonly code = "plain_failure";
}

const HETZNER: Record<string, string> = {
  resource_limit_exceeded: "The Hetzner project has reached one of its limits (servers, cores or addresses).",
  resource_unavailable: "Hetzner has no room for this server type in this location right now.",
  placement_error: "Hetzner has no room for this server type in this location right now.",
  no_space_left_in_location: "Hetzner has no room for this server type in this location right now.",
  server_type_unavailable: "Hetzner has no room for this server type in this location right now.",
  rate_limit_exceeded: "Hetzner is limiting how often ccc may ask it for things right now.",
  network_error: "Hetzner could not be reached.",
  timeout: "Hetzner did not answer in time.",
  invalid_response: "Hetzner answered something ccc did not understand.",
  unauthorized: "Hetzner did not accept ccc's API token; an admin needs to look at it.",
  forbidden: "Hetzner did not allow ccc to do that; an admin needs to look at its API token.",
  token_readonly: "ccc's Hetzner API token may only read; an admin needs to give it write access.",
  server_error: "Hetzner had a problem of its own.",
  service_error: "Hetzner had a problem of its own.",
  unavailable: "Hetzner is not available right now.",
  maintenance: "Hetzner is under maintenance right now.",
  locked: "The server is busy with another change at Hetzner.",
  conflict: "The server is busy with another change at Hetzner.",
  not_found: "Hetzner no longer knows the server.",
  no_ipv4: "Hetzner gave the server no IPv4 address.",
  delete_failed: "Hetzner did not delete the server.",
  label_behind: "Hetzner did not take the new expiry time.",
};

const INSTALLER: Record<string, string> = {
  install_failed: "Installing NixOS on the server failed.",
  install_timeout: "Installing NixOS took too long and was stopped.",
  install_canceled: "Installing NixOS was stopped because ccc was shutting down.",
  installer_missing: "The installer is not set up where ccc runs; an admin needs to fix that.",
};

const SSH: Record<string, string> = {
  ssh_timeout: "The new server did not answer on SSH in time.",
};

const FALLBACK: Record<ExternalError["source"], string> = {
  hetzner: "Hetzner refused or failed the request.",
  installer: "Installing NixOS on the server failed.",
  ssh: "Connecting to the machine failed.",
  slack: "Slack failed.",
  stripe: "Billing (Stripe) failed.",
};

const INSIDE = "Something went wrong inside ccc.";

/**
 * What a user is told when work failed: which step failed, in plain words, and never the detail:
 * no paths (the installer log's), no installer output, no text from Hetzner or any other upstream
 * (whoever can put words into a server name, a label or a log line could otherwise put them in
 * front of a user, a token among them). The detail stays in the log, the audit trail and the
 * admins' alert.
 */
export function userFacingFailure(error: unknown): string {
  // Refusals are worded by ccc for the person who asked.
  if (isRefusal(error) || error instanceof PlainFailure) return (error as Error).message;
  if (!(error instanceof ExternalError)) return INSIDE;
  // A wrapper (a failed provision) is about what it wraps.
  if (error.cause instanceof CccError) return userFacingFailure(error.cause);
  if (error.code === "deleted_meanwhile") return "It was deleted while it was being built.";
  if (error.code === "provision_failed") return INSIDE;
  if (error.source === "installer" && error.code === "install_failed") {
    const software = softwareInstallFailure(error.message);
    if (software) return software;
  }
  const words = { hetzner: HETZNER, installer: INSTALLER, ssh: SSH }[error.source as string]?.[error.code];
  return words ?? FALLBACK[error.source];
}

/** What became of the server after a failed provision, without the upstream text a failed delete carries. */
export function userFacingCleanup(cleanup: string): string {
  return cleanup.startsWith("deleting the server failed")
    ? "deleting the server failed too; ccc will try again"
    : cleanup;
}
