import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";
import { userFacingFailure } from "../user-facing-failure.ts";
import { failureOf, type ProvisionFailure, serverOutcomeText } from "./provision-failure.ts";

/**
 * What a failed build means, with the admins told the detail (the installer's lines, Hetzner's
 * words) unless the machine was deleted meanwhile; whichever door started it shows the owner plain words.
 */
export function alertProvisionFailure(deps: CoreDeps, recorded: Instance, error: unknown): ProvisionFailure {
  const failure = failureOf(error, recorded.id, userFacingFailure(error));
  if (failure.deletedMeanwhile && deps.store.get(recorded.id)) return failure;
  const cleanup = failure.cleanupError ? ` (${failure.cleanupError})` : "";
  void deps.notifier.notify({
    kind: "admin_alert",
    text:
      failure.server === "unknown"
        ? `${recorded.id} (owner ${recorded.owner}) failed unexpectedly: ${failure.detail}`
        : `${recorded.id} (owner ${recorded.owner}) failed to provision: ${failure.detail}; ${serverOutcomeText(failure)}${cleanup}`,
  });
  return failure;
}
