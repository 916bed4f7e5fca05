import type { CoreDeps } from "../deps.ts";
import { ExternalError } from "../errors.ts";
import type { Instance } from "../instances/instance.ts";
import type { WorkVolume } from "../store/store.ts";
import { cloudVolumeFor } from "./make-volume.ts";
import { type MountOutcome, mountWorkVolume } from "./mount-volume.ts";
import { releaseWorkVolume, reserveWorkVolume, volumePolicy } from "./work-volume.ts";

/**
 * Gives a running machine (a pool machine at claim) its owner's work volume in its location: promised
 * in the store, made on first use, attached at Hetzner, then mounted through `ccc-apply`. A volume
 * another machine has is refused (UserError `volume_busy`) before anything is done; a failed attach
 * frees the promise again.
 */
export async function attachWorkVolume(
  deps: CoreDeps,
  instance: Instance,
  options: { sizeGb?: number } = {},
): Promise<{ volume: WorkVolume; mount: MountOutcome }> {
  if (instance.hetznerServerId === null) {
    throw new ExternalError("hetzner", "no_server", `${instance.id} has no server to attach a volume to.`);
  }
  // Promised at the request already (a pool claim), or promised now; another machine's is refused.
  const promised = reserveWorkVolume(deps, instance, options.sizeGb ?? volumePolicy(deps).defaultGb, "throw");
  try {
    const cloud = await cloudVolumeFor(deps, promised);
    const action = await deps.cloud.volumes.attach(cloud.id, instance.hetznerServerId, false);
    await deps.cloud.waitForAction(action.id);
  } catch (error) {
    releaseWorkVolume(deps, instance.id);
    throw error;
  }
  const volume = deps.store.workVolumes.forInstance(instance.id) ?? promised;
  return { volume, mount: await mountWorkVolume(deps, deps.store.require(instance.id)) };
}
