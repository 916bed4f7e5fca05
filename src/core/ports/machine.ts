import { ExternalError } from "../errors.ts";
import type { Instance, PackageResult } from "../instances/instance.ts";
import type { ActivityResult } from "../machine/activity-answer.ts";
import type { ApplyDocument } from "../machine/apply-document.ts";
import type { SecretValue } from "../secrets/secret-value.ts";
import type { WorkspaceDocument, WorkspaceResult } from "../workspace/workspace-document.ts";

/** One running machine as the channel reaches it. */
export interface MachineTarget {
  instanceId: string;
  /** IP address. */
  host: string;
  port: number;
  /** The pinned public host key (`ssh-ed25519 …`) from install time. */
  hostKey: string;
}

/**
 * What became of one `apply`. Every kind but `ok` carries `message` (plain words, safe to show a user:
 * no key material, no paths) and `detail` (ssh's own words, for the log only).
 */
export type ApplyResult =
  /** `packages`: how each asked-for package install went (version 2 documents with packages). */
  | { kind: "ok"; applied: ApplyDocument; packages?: PackageResult[]; sessions?: SessionsEnded }
  /** The machine checked the document and said no (exit 2); nothing changed there. */
  | { kind: "refused"; reason: string; message: string; detail: string }
  /** The machine showed another host key than the pinned one: an alarm, and nothing was sent. */
  | { kind: "host-key-mismatch"; message: string; detail: string }
  /** No SSH connection: refused, timed out, no route. */
  | { kind: "unreachable"; message: string; detail: string }
  | { kind: "failed"; reason: ApplyFailure; message: string; detail: string };

/**
 * The SSH sessions the machine ended because the key they logged in with is no longer listed, and those
 * it could not check (`error`: why); absent in an answer when there were none.
 */
export interface SessionsEnded {
  ended: number;
  unchecked: number;
  error?: string;
}

export type ApplyFailure =
  /** The total timeout ran out; the machine may or may not have applied the document. */
  | "timeout"
  /** The answer was not the one JSON line the contract promises. */
  | "bad-answer"
  /** The machine read back something other than what was sent. */
  | "answer-differs"
  /** `ccc-apply` failed on the machine (exit 1), or is not there. */
  | "command-failed"
  /** ssh connected but could not run the command (e.g. the operator key was not accepted). */
  | "ssh-failed"
  /** The `ssh` client could not be started here. */
  | "ssh-missing";

/** The owner's secrets for one machine (`ccc-apply`'s ccc-secrets document; see core/secrets/secrets-document.ts). */
export interface SecretsDocument {
  /** The id the machine's disk knows (a restored machine keeps the saved one's). */
  instanceId: string;
  /** Fresh per send: the machine's digest of what it wrote is keyed by it. */
  nonce: string;
  secrets: readonly { name: string; value: SecretValue }[];
}

/** What became of one secrets delivery; every kind but `ok` is as for the state document. */
export type SecretsApplyResult = { kind: "ok"; names: string[] } | Exclude<ApplyResult, { kind: "ok" }>;

/** The channel port: `src/adapters/ssh-machine-channel.ts` talks OpenSSH; later features call it through deps. */
export interface MachineChannel {
  /** Sends one `ccc-apply` document to the machine and checks what it wrote. Never throws for remote trouble. */
  apply(target: MachineTarget, doc: ApplyDocument): Promise<ApplyResult>;
  /**
   * Sends a workspace document (clone, devShell, dotfiles; src/core/workspace/workspace-document.ts) and
   * reports its progress lines. Never throws for remote trouble. Absent in channels that predate it.
   */
  workspace?(
    target: MachineTarget,
    doc: WorkspaceDocument,
    onProgress: (text: string) => void,
    timeoutMs: number,
  ): Promise<WorkspaceResult>;

  /**
   * Writes the owner's secrets on the machine (`ccc-apply` with a ccc-secrets document), or removes them
   * when the list is empty. Never throws for remote trouble. Absent on channels that cannot (then none are sent).
   */
  applySecrets?(target: MachineTarget, doc: SecretsDocument): Promise<SecretsApplyResult>;

  /**
   * The hand-over and the owner's secrets in one session (the state written first). `secrets` is null
   * when the machine's ccc-apply predates the combined document: the state was then sent alone, as
   * `apply` does, and the secrets are still to send. Never throws for remote trouble.
   */
  applyWithSecrets?(
    target: MachineTarget,
    doc: ApplyDocument,
    secrets: SecretsDocument,
  ): Promise<{ applied: ApplyResult; secrets: SecretsApplyResult | null }>;

  /** Asks the machine what its person is doing (`ccc-apply --activity`, read only). Never throws for remote trouble. */
  activity?(target: MachineTarget): Promise<ActivityResult>;
}

/** The channel's view of an instance; refuses one without an address or a pinned host key. */
export function machineTarget(instance: Instance, port: number): MachineTarget {
  if (!instance.ipv4) {
    throw new ExternalError("ssh", "no_address", `${instance.id} has no address yet.`);
  }
  if (!instance.hostKey) {
    throw new ExternalError(
      "ssh",
      "no_host_key",
      `${instance.id} was installed before ccc pinned host keys, so ccc cannot reach it safely.`,
    );
  }
  return { instanceId: instance.id, host: instance.ipv4, port, hostKey: instance.hostKey };
}
