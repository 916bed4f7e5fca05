import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";
import { retryDelayMs } from "../lifecycle/retry-delay.ts";
import { machineTarget } from "../ports/machine.ts";
import { type OpenSecret, openSecretsOf } from "./secrets.ts";
import { type SecretsApplyResult, type SecretsDocument, secretsDocument } from "./secrets-document.ts";

/** What became of putting the owner's secrets on one machine. `message` is safe to show (no values). */
export type SecretsDelivery =
  /** The machine holds exactly these names now (none: the file is gone). */
  | { kind: "delivered"; instanceId: string; names: string[]; withheld: boolean }
  /** Not tried: secrets are off, no address or pinned key yet, or nothing to send a fresh machine. */
  | { kind: "skipped"; instanceId: string; reason: "secrets-off" | "not-reachable" | "none" | "no-channel" }
  /** `retryAt`: the sweep tries again then (a machine that could not be reached or did not finish). */
  | { kind: "failed"; instanceId: string; message: string; retryAt?: Date };

/**
 * Sends a machine its owner's secrets, the whole set each time, so a deleted one disappears. A machine
 * shared with a guest the owner did not let in "with secrets" gets none: its file is removed instead.
 * `fresh`: a machine that has just been made, which has no file yet, is skipped when there is nothing.
 */
export async function deliverSecrets(
  deps: CoreDeps,
  instance: Instance,
  options: { fresh?: boolean } = {},
): Promise<SecretsDelivery> {
  const planned = secretsToSend(deps, instance, options);
  if (planned.kind !== "send") return planned;
  if (!deps.machine.applySecrets) return { kind: "skipped", instanceId: instance.id, reason: "no-channel" };
  const result = await deps.machine.applySecrets(machineTarget(instance, deps.timing.sshPort), planned.doc);
  return settleSecrets(deps, instance, planned, result);
}

/** What `deliverSecrets` would send the machine now, or why it would send nothing (no session opened). */
export type SecretsPlan =
  | { kind: "send"; doc: SecretsDocument; secrets: OpenSecret[]; withheld: boolean }
  | Exclude<SecretsDelivery, { kind: "delivered" }>;

export function secretsToSend(
  deps: CoreDeps,
  instance: Instance,
  options: { fresh?: boolean } = {},
): SecretsPlan {
  const instanceId = instance.id;
  if (!deps.secretsKey) return { kind: "skipped", instanceId, reason: "secrets-off" };
  if (!deps.machine.applySecrets) return { kind: "skipped", instanceId, reason: "no-channel" };
  if (!instance.ipv4 || !instance.hostKey) return { kind: "skipped", instanceId, reason: "not-reachable" };
  const withheld = withholdsSecrets(deps, instanceId);
  let secrets: OpenSecret[];
  try {
    secrets = withheld ? [] : openSecretsOf(deps, instance.owner);
  } catch (error) {
    // A wrong key: nothing is sent (the machine keeps what it had), and the operator is told in the log.
    const message = error instanceof Error ? error.message : String(error);
    deps.log.error("secrets not delivered", { instance: instanceId, reason: message });
    return { kind: "failed", instanceId, message };
  }
  if (options.fresh && secrets.length === 0 && !withheld)
    return { kind: "skipped", instanceId, reason: "none" };
  const doc = secretsDocument(deps.store.snapshots.machineIdOf(instanceId), secrets);
  return { kind: "send", doc, secrets, withheld };
}

/** Records what the machine answered to a plan sent (alone, or with the hand-over). */
export function settleSecrets(
  deps: CoreDeps,
  instance: Instance,
  planned: Extract<SecretsPlan, { kind: "send" }>,
  result: SecretsApplyResult,
): SecretsDelivery {
  const instanceId = instance.id;
  const { secrets, withheld } = planned;
  if (result.kind !== "ok") {
    deps.log.warn("secrets not delivered", {
      instance: instanceId,
      outcome: result.kind,
      reason: result.detail,
    });
    // A machine that was down or slow gets the set later; a refusal or a host key that differs would
    // answer the same again (the latter is an admin's matter, as for the state push).
    if (result.kind === "unreachable" || result.kind === "failed") {
      return {
        kind: "failed",
        instanceId,
        message: result.message,
        retryAt: owe(deps, instanceId, result.message),
      };
    }
    return { kind: "failed", instanceId, message: result.message };
  }
  deps.store.secretsPushes.drop(instanceId);
  if (secrets.length > 0) deps.store.secrets.markUsed(instance.owner, result.names, deps.clock.now());
  deps.log.info("secrets delivered", { instance: instanceId, count: result.names.length, withheld });
  return { kind: "delivered", instanceId, names: result.names, withheld };
}

/** True when a plan made now would send exactly what `sent` carried (nothing set, changed or deleted since). */
export function sameSecretsAs(deps: CoreDeps, instance: Instance, sent: SecretsDocument): boolean {
  const now = secretsToSend(deps, instance, { fresh: true });
  if (now.kind !== "send") return sent.secrets.length === 0;
  const key = (list: readonly OpenSecret[]) =>
    JSON.stringify(list.map((s) => [s.name, s.value.reveal()]).sort());
  return key(now.doc.secrets) === key(sent.secrets);
}

// Remembers that the machine is owed its secrets, with the same backoff as the state push's retries.
function owe(deps: CoreDeps, instanceId: string, message: string): Date {
  const attempts = (deps.store.secretsPushes.get(instanceId)?.attempts ?? 0) + 1;
  const retryAt = new Date(deps.clock.now().getTime() + retryDelayMs(attempts));
  deps.store.secretsPushes.owe({ instanceId, attempts, nextAt: retryAt.getTime(), lastError: message });
  return retryAt;
}

/** True while any guest of the machine was let in without the owner's secrets (the default). */
export function withholdsSecrets(deps: CoreDeps, instanceId: string): boolean {
  return deps.store.guests.list(instanceId).some((g) => !g.withSecrets);
}

/** Sends the owner's secrets to every ready machine of theirs at once (after a set or a delete). */
export async function deliverToOwnerMachines(deps: CoreDeps, owner: string): Promise<SecretsDelivery[]> {
  if (!deps.secretsKey) return [];
  const ready = deps.store.list({ owner }).filter((i) => i.status === "ready");
  return Promise.all(ready.map((instance) => deliverSecrets(deps, instance)));
}

/**
 * At install, pool claim and restore: the new machine gets its owner's secrets before "ready". Never
 * throws: a machine without its secrets is still handed over, and the trouble is in the audit trail.
 */
export async function deliverToNewMachine(
  deps: CoreDeps,
  instance: Instance,
  options: { fresh?: boolean } = { fresh: true },
): Promise<SecretsDelivery> {
  try {
    const delivery = await deliverSecrets(deps, instance, options);
    if (delivery.kind === "failed") {
      deps.store.recordEvent(instance.id, {
        actor: "ccc",
        kind: "secrets_not_delivered",
        detail: delivery.message,
      });
    }
    return delivery;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.log.warn("secrets not delivered", { instance: instance.id, reason: message });
    deps.store.recordEvent(instance.id, { actor: "ccc", kind: "secrets_not_delivered", detail: message });
    return { kind: "failed", instanceId: instance.id, message };
  }
}
