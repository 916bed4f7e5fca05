import type { ReconcileFinding, ReconcilePass } from "../lifecycle/reconcile-types.ts";
import { messageOf } from "../lifecycle/reconcile-types.ts";
import { SNAPSHOT_SELECTOR } from "./snapshot-labels.ts";
import { DAY_MS } from "./snapshot-policy.ts";

/**
 * Compares the snapshots labelled `managed-by=ccc` with the store: an image the store does not know
 * is reported to the admins, and deleted only once its retention would have ended (its
 * `ccc-expires-at` label, else its age); a row whose image vanished is closed.
 */
export async function reconcileImages(pass: ReconcilePass): Promise<ReconcileFinding[]> {
  const { deps, options, now } = pass;
  const images = await deps.cloud.listSnapshots(SNAPSHOT_SELECTOR);
  const findings: ReconcileFinding[] = [];
  const retentionMs = deps.snapshots.retentionDays * DAY_MS;
  for (const image of images) {
    // A failed or closed row does not keep its image: that one is as orphaned as an unknown one.
    const row = deps.store.snapshots.byImageId(image.id);
    if (image.status === "creating" || row?.status === "saving" || row?.status === "available") continue;
    const labelled = Number(image.labels["ccc-expires-at"]) * 1000;
    const endsAt =
      Number.isFinite(labelled) && labelled > 0 ? labelled : image.created.getTime() + retentionMs;
    const instanceId = image.labels["ccc-instance"] ?? null;
    const detail = `image ${image.id} (${instanceId ?? "no ccc-instance label"}): the store has no snapshot of it; its retention ${endsAt <= now ? "has ended" : `ends ${new Date(endsAt).toISOString()}`}`;
    const finding = (
      action: ReconcileFinding["action"],
      outcome: ReconcileFinding["outcome"],
      error: string | null = null,
    ) => ({
      kind: "orphan_image" as const,
      instanceId,
      serverId: null,
      detail,
      action,
      outcome,
      error,
    });
    if (endsAt > now) {
      findings.push(finding("wait", "waiting"));
      continue;
    }
    if (options.dryRun) {
      findings.push(finding("delete_image", "dry_run"));
      continue;
    }
    try {
      await deps.cloud.deleteImage(image.id);
      deps.store.recordEvent(instanceId, { actor: "ccc", kind: "orphan_image_deleted", detail });
      await deps.notifier.notify({ kind: "admin_alert", text: `Deleted orphan snapshot ${detail}.` });
      findings.push(finding("delete_image", "done"));
    } catch (error) {
      findings.push(finding("delete_image", "failed", messageOf(error)));
    }
  }
  const known = new Set(images.map((i) => i.id));
  for (const snapshot of deps.store.snapshots.list()) {
    if (snapshot.status !== "available" || snapshot.imageId === null || known.has(snapshot.imageId)) continue;
    // The listing only shows labelled images: ask for this one before believing it gone.
    if ((await deps.cloud.getImage(snapshot.imageId)) !== null) continue;
    const detail = `snapshot ${snapshot.id}: its image ${snapshot.imageId} no longer exists at Hetzner`;
    if (options.dryRun) {
      findings.push({
        kind: "lost_image",
        instanceId: snapshot.id,
        serverId: null,
        detail,
        action: "close_snapshot",
        outcome: "dry_run",
        error: null,
      });
      continue;
    }
    deps.store.snapshots.deleted(snapshot.id, deps.clock.now(), "image vanished");
    deps.store.recordEvent(snapshot.id, { actor: "ccc", kind: "snapshot_closed", detail });
    findings.push({
      kind: "lost_image",
      instanceId: snapshot.id,
      serverId: null,
      detail,
      action: "close_snapshot",
      outcome: "done",
      error: null,
    });
  }
  return findings;
}
