import { MANAGED_SELECTOR } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import type { CloudVolume } from "../ports/cloud.ts";
import { volumePolicy } from "../volumes/work-volume.ts";
import { messageOf, type ReconcileOptions, type VolumeFinding } from "./reconcile-types.ts";

export type { VolumeFinding } from "./reconcile-types.ts";

const DAY_MS = 86_400_000;

/**
 * Compares volumes labelled `managed-by=ccc` with the store. One the store does not know is reported
 * to the admins once and deleted only when the retention it would have had (from its creation) has
 * ended; an attached one never. A store row whose volume vanished is closed.
 */
export async function reconcileVolumes(deps: CoreDeps, options: ReconcileOptions): Promise<VolumeFinding[]> {
  // Rows first: a volume made after the listing is not taken for vanished.
  const rows = deps.store.workVolumes.list().filter((v) => v.hetznerId !== null);
  const volumes = await deps.cloud.volumes.list(MANAGED_SELECTOR);
  const findings: VolumeFinding[] = [];
  for (const volume of volumes) {
    const finding = await orphan(deps, options, volume);
    if (finding) findings.push(finding);
  }
  const listed = new Set(volumes.map((v) => v.id));
  for (const row of rows) {
    const id = row.hetznerId as number;
    if (listed.has(id)) continue;
    const finding = (outcome: VolumeFinding["outcome"], error: string | null = null): VolumeFinding => ({
      kind: "vanished_volume",
      volumeId: id,
      detail: `${row.owner}'s volume ${id} in ${row.location} no longer exists at Hetzner`,
      action: "close_row",
      outcome,
      error,
    });
    try {
      // The listing shows labelled volumes only: ask for this one before believing it gone.
      if ((await deps.cloud.volumes.get(id)) !== null) continue;
      if (options.dryRun) {
        findings.push(finding("dry_run"));
        continue;
      }
      deps.store.workVolumes.close(row.rowId, "vanished", deps.clock.now());
      deps.log.warn("work volume vanished; its row is closed", { volume: id, owner: row.owner });
      findings.push(finding("done"));
    } catch (error) {
      findings.push(finding("failed", messageOf(error)));
    }
  }
  return findings;
}

async function orphan(
  deps: CoreDeps,
  options: ReconcileOptions,
  volume: CloudVolume,
): Promise<VolumeFinding | null> {
  if (deps.store.workVolumes.byHetznerId(volume.id)) return null;
  const now = deps.clock.now();
  const end = new Date(volume.created.getTime() + volumePolicy(deps).retentionDays * DAY_MS);
  const owner = volume.labels["ccc-owner"] ?? "unknown";
  const what = `volume ${volume.id} (${volume.name}, ${volume.sizeGb} GB in ${volume.location}, owner ${owner})`;
  const finding = (
    action: VolumeFinding["action"],
    outcome: VolumeFinding["outcome"],
    detail: string,
    error: string | null = null,
  ): VolumeFinding => ({ kind: "orphan_volume", volumeId: volume.id, detail, action, outcome, error });
  if (volume.serverId !== null) {
    return finding(
      "keep_attached",
      "done",
      `${what} is not in ccc's store and is attached to server ${volume.serverId}: never deleted while attached`,
    );
  }
  if (now.getTime() < end.getTime()) {
    const detail = `${what} is not in ccc's store; it is deleted after ${end.toISOString()} unless someone claims it`;
    if (options.dryRun) return finding("report", "dry_run", detail);
    const first = deps.store.workVolumes.noteOrphan(
      { hetznerId: volume.id, owner, location: volume.location, sizeGb: volume.sizeGb },
      now,
    );
    if (first) await deps.notifier.notify({ kind: "admin_alert", text: `Found ${detail}.` });
    return finding("report", "done", detail);
  }
  const detail = `${what} is not in ccc's store and its retention ended ${end.toISOString()}`;
  if (options.dryRun) return finding("delete_volume", "dry_run", detail);
  try {
    await deps.cloud.volumes.delete(volume.id);
    deps.log.warn("orphan volume deleted", { volume: volume.id, owner });
    await deps.notifier.notify({ kind: "admin_alert", text: `Deleted orphan ${detail}.` });
    return finding("delete_volume", "done", detail);
  } catch (error) {
    return finding("delete_volume", "failed", detail, messageOf(error));
  }
}
