import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";
import { installPackagesAtClaim } from "../software/install-at-claim.ts";
import { attachWorkVolume } from "../volumes/attach-work-volume.ts";

/**
 * Gives a just-claimed pool machine what its request asked for beyond the machine itself: the work
 * volume promised at the request (attached and mounted), then the extra software (installed from
 * the machine's pinned nixpkgs, each result recorded). Neither stops the handover: the machine is
 * usable without them, and what failed is recorded for the owner to see.
 */
export async function fitOutClaimed(
  deps: CoreDeps,
  instance: Instance,
  onSoftware: () => void = () => {},
): Promise<void> {
  const promised = deps.store.workVolumes.forInstance(instance.id);
  if (promised) {
    try {
      await attachWorkVolume(deps, instance, { sizeGb: promised.sizeGb });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      deps.log.warn("work volume not attached to a pool machine", { instance: instance.id, reason });
      deps.store.recordEvent(instance.id, { actor: "ccc", kind: "volume_failed", detail: reason });
    }
  }
  // Large packages take minutes: the person sees this step rather than a stalled handover.
  if ((instance.packages ?? []).length > 0) onSoftware();
  await installPackagesAtClaim(deps, deps.store.require(instance.id));
}
