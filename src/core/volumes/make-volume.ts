import type { CoreDeps } from "../deps.ts";
import { ExternalError } from "../errors.ts";
import type { CloudVolume } from "../ports/cloud.ts";
import type { WorkVolume } from "../store/store.ts";
import { volumePricePerGb } from "./volume-price.ts";
import { volumeLabels, volumeName } from "./work-volume.ts";

/**
 * The cloud volume behind a promised row, made (ext4, labelled) on first use. An existing one must
 * still be there and free; one that vanished closes its row, so the next request starts a new one.
 * Runs before the server is made: a refusal here spends nothing.
 */
export async function cloudVolumeFor(deps: CoreDeps, volume: WorkVolume): Promise<CloudVolume> {
  if (volume.hetznerId === null) return makeVolume(deps, volume);
  const found = await deps.cloud.volumes.get(volume.hetznerId);
  if (!found) {
    deps.store.workVolumes.close(volume.rowId, "vanished", deps.clock.now());
    throw new ExternalError(
      "hetzner",
      "volume_gone",
      `Your work volume ${volume.hetznerId} is no longer at Hetzner (deleted outside ccc). Ask again to get a new, empty one.`,
    );
  }
  if (found.serverId !== null) return waitForDetach(deps, found);
  return found;
}

/** How long a volume may take to come free of a server that is being deleted. */
const DETACH_POLL_MS = 2_000;
const DETACH_POLLS = 45;

/**
 * A volume still on a server: fine to wait for when that server is on its way out (Hetzner detaches
 * it when the delete finishes, a little after ccc marked the machine deleted); refused otherwise.
 */
async function waitForDetach(deps: CoreDeps, found: CloudVolume): Promise<CloudVolume> {
  const server = found.serverId === null ? null : await deps.cloud.getServer(found.serverId);
  if (server && server.status !== "deleting") {
    throw new ExternalError(
      "hetzner",
      "volume_already_attached",
      `Your work volume ${found.id} is attached to server ${server.name} at Hetzner; a volume serves one machine at a time.`,
    );
  }
  for (let poll = 0; poll < DETACH_POLLS; poll++) {
    await deps.clock.sleep(DETACH_POLL_MS);
    const now = await deps.cloud.volumes.get(found.id);
    if (now && now.serverId === null) return now;
  }
  throw new ExternalError(
    "hetzner",
    "volume_already_attached",
    `Your work volume ${found.id} did not come free of the server being deleted; try again in a few minutes.`,
  );
}

async function makeVolume(deps: CoreDeps, volume: WorkVolume): Promise<CloudVolume> {
  const name = volumeName(volume);
  let made: CloudVolume;
  try {
    const created = await deps.cloud.volumes.create({
      name,
      sizeGb: volume.sizeGb,
      location: volume.location,
      format: "ext4",
      labels: volumeLabels(volume.owner),
    });
    await deps.cloud.waitForAction(created.action.id);
    made = { ...created.volume, status: "available" };
  } catch (error) {
    // A create retried after its answer was lost is refused by name: the first one worked.
    if (!(error instanceof ExternalError && error.code === "uniqueness_error")) throw error;
    const [mine] = (await deps.cloud.volumes.list("managed-by=ccc")).filter((v) => v.name === name);
    if (!mine) throw error;
    made = mine;
  }
  // The price it is billed at from now on, in the same write as the volume itself (cached: the
  // offer shown before the request fetched it).
  const pricePerGbMonth = await volumePricePerGb(deps);
  deps.store.workVolumes.made(volume.rowId, {
    hetznerId: made.id,
    linuxDevice: made.linuxDevice,
    sizeGb: made.sizeGb,
    createdAt: deps.clock.now(),
    pricePerGbMonth,
  });
  deps.log.info("work volume made", { volume: made.id, owner: volume.owner, location: volume.location });
  return made;
}

/** For the create call: the volume promised to this machine, made if need be; none when it asked for none. */
export async function volumesForNewServer(deps: CoreDeps, instanceId: string): Promise<number[] | undefined> {
  const volume = deps.store.workVolumes.forInstance(instanceId);
  if (!volume) return undefined;
  return [(await cloudVolumeFor(deps, volume)).id];
}
