import type { CoreDeps } from "../deps.ts";
import { ExternalError } from "../errors.ts";
import { authorizedKeysOf } from "../instances/access.ts";
import type { Instance } from "../instances/instance.ts";
import { applyDocumentFor } from "../machine/apply-document.ts";
import { machineTarget } from "../ports/machine.ts";

/**
 * Tells a freshly booted restored machine its new expiry and the owner's current key. SSH answering
 * does not mean every service is up yet, so an unreachable machine is tried again until the SSH wait
 * runs out; a host key other than the saved one, or a refusal, fails at once.
 */
export async function pushRestoredState(deps: CoreDeps, instance: Instance): Promise<void> {
  const target = machineTarget(instance, deps.timing.sshPort);
  const doc = applyDocumentFor(instance, authorizedKeysOf(deps.store, instance), {
    machineId: deps.store.snapshots.machineIdOf(instance.id),
  });
  const deadline = deps.clock.now().getTime() + deps.timing.sshWaitMs;
  for (;;) {
    const result = await deps.machine.apply(target, doc);
    if (result.kind === "ok") return;
    const retry =
      result.kind === "unreachable" && deps.clock.now().getTime() + deps.timing.sshProbeIntervalMs < deadline;
    if (!retry) {
      deps.log.error("restored machine refused its state", {
        instance: instance.id,
        outcome: result.kind,
        detail: result.detail,
      });
      throw new ExternalError(
        "ssh",
        result.kind,
        `The restored machine did not take its new expiry and key: ${result.message}`,
      );
    }
    await deps.clock.sleep(deps.timing.sshProbeIntervalMs);
  }
}
