import type { CoreDeps } from "../deps.ts";
import { retentionEnd } from "../volumes/volume-views.ts";

const DAY_MS = 86_400_000;

/** Reminder stages, in days before the end; the last one must have gone out before a delete. */
const STAGES = [7, 1] as const;

/** What the retention pass did to one volume. */
export interface VolumeRetentionOutcome {
  volumeId: number;
  owner: string;
  action: "reminded" | "deleted" | "failed";
  /** Whole days left, for a reminder. */
  daysLeft: number;
  error: string | null;
}

/**
 * Deletes work volumes unused for the retention period, after DMs 7 days and 1 day before (each
 * claimed in the store before it is sent, so two processes never both send one). A volume whose
 * last reminder never went out (ccc was not running) gets it now and one more day. Never deletes a
 * volume a machine has, in the store or at Hetzner. Only store reads unless something is due.
 */
export async function runVolumeRetention(deps: CoreDeps): Promise<VolumeRetentionOutcome[]> {
  const outcomes: VolumeRetentionOutcome[] = [];
  const now = deps.clock.now();
  deps.store.workVolumes.releaseStale(now);
  for (const listed of deps.store.workVolumes.list()) {
    if (listed.instanceId || listed.hetznerId === null) continue;
    let volume = listed;
    const volumeId = listed.hetznerId;
    let end = retentionEnd(deps, volume);
    if (end.getTime() <= now.getTime() && volume.reminded !== 1) {
      // Due without the last reminder: a day's notice from now.
      const lastUsed = new Date(now.getTime() + DAY_MS - (end.getTime() - volume.lastUsedAt.getTime()));
      deps.store.workVolumes.keep(volume.rowId, lastUsed);
      volume = deps.store.workVolumes.get(volume.rowId) ?? volume;
      end = retentionEnd(deps, volume);
    }
    const left = end.getTime() - now.getTime();
    if (left <= 0) {
      outcomes.push(await expire(deps, volume.rowId, volumeId, volume.owner));
      continue;
    }
    const stage = STAGES.filter((days) => left <= days * DAY_MS).at(-1);
    if (stage === undefined || (volume.reminded !== 0 && volume.reminded <= stage)) continue;
    if (!deps.store.workVolumes.claimReminder(volume, stage)) continue;
    const daysLeft = Math.ceil(left / DAY_MS);
    await deps.notifier.notify({ kind: "volume_notice", event: "expiring", volume, deleteAt: end, daysLeft });
    deps.log.info("work volume reminder sent", { volume: volumeId, owner: volume.owner, daysLeft });
    outcomes.push({ volumeId, owner: volume.owner, action: "reminded", daysLeft, error: null });
  }
  return outcomes;
}

async function expire(
  deps: CoreDeps,
  rowId: number,
  volumeId: number,
  owner: string,
): Promise<VolumeRetentionOutcome> {
  const outcome = { volumeId, owner, daysLeft: 0 };
  try {
    const cloud = await deps.cloud.volumes.get(volumeId);
    if (cloud && cloud.serverId !== null) {
      throw new Error(`still attached to server ${cloud.serverId} at Hetzner`);
    }
    if (cloud) await deps.cloud.volumes.delete(volumeId);
    const volume = deps.store.workVolumes.get(rowId);
    deps.store.workVolumes.close(rowId, cloud ? "retention" : "vanished", deps.clock.now());
    if (volume && cloud) {
      await deps.notifier.notify({
        kind: "volume_notice",
        event: "deleted",
        volume,
        deleteAt: deps.clock.now(),
        daysLeft: 0,
      });
    }
    deps.log.info("unused work volume deleted", { volume: volumeId, owner });
    return { ...outcome, action: "deleted", error: null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.log.warn("unused work volume not deleted; tried again next pass", {
      volume: volumeId,
      reason: message,
    });
    return { ...outcome, action: "failed", error: message };
  }
}
