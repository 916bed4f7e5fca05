import type { CoreDeps } from "../deps.ts";
import { withLease } from "../lifecycle/leases.ts";
import { deliverSecrets, type SecretsDelivery } from "./deliver-secrets.ts";

const secretsLease = (instanceId: string) => `secrets:${instanceId}`;

/**
 * Sends the current secrets again to every machine owed them whose retry is due (run by the sweep).
 * A machine no longer ready drops what it was owed: a woken or restored one gets its secrets fresh.
 */
export async function retrySecretsPushes(deps: CoreDeps): Promise<SecretsDelivery[]> {
  const tried: SecretsDelivery[] = [];
  for (const id of deps.store.secretsPushes.due(deps.clock.now().getTime())) {
    const instance = deps.store.get(id);
    if (instance?.status !== "ready") {
      deps.store.secretsPushes.drop(id);
      continue;
    }
    const attempt = await withLease(deps, secretsLease(id), () => deliverSecrets(deps, instance));
    if (!attempt.taken) continue;
    tried.push(attempt.value);
    // Not tried at all (secrets turned off meanwhile): nothing left to owe.
    if (attempt.value.kind === "skipped") deps.store.secretsPushes.drop(id);
    if (attempt.value.kind === "delivered") {
      deps.store.recordEvent(id, {
        actor: "ccc",
        kind: "secrets_delivered_late",
        detail: `${attempt.value.names.length} secret names`,
      });
    }
  }
  return tried;
}
