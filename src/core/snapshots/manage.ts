import type { CoreDeps } from "../deps.ts";
import { ForbiddenError, NotFoundError, UserError } from "../errors.ts";
import { type Actor, ownsOrAdmin } from "../instances/actor.ts";
import type { Snapshot } from "../store/store.ts";
import { DAY_MS } from "./snapshot-policy.ts";

/** A snapshot with what it costs, for lists. */
export interface PricedSnapshot {
  snapshot: Snapshot;
  /** Gross € per month for the GB it stores; null while it is being made or when prices are unknown. */
  monthlyEuro: number | null;
}

/** Loads a snapshot the actor may act on (its owner, or an admin); a refusal is recorded. */
export function snapshotFor(deps: CoreDeps, actor: Actor, id: string, action: string): Snapshot {
  const snapshot = deps.store.snapshots.get(id);
  if (!snapshot || snapshot.status === "deleted" || snapshot.status === "failed") {
    throw new NotFoundError(`No snapshot ${id}; \`snapshots\` lists yours.`);
  }
  if (!ownsOrAdmin(actor, snapshot.owner)) {
    deps.store.recordEvent(id, {
      actor: actor.id,
      kind: "refused",
      detail: `${action} snapshot: not the owner`,
    });
    throw new ForbiddenError(`The snapshot ${id} is not yours, so you cannot ${action} it.`);
  }
  return snapshot;
}

/** Snapshots with their monthly price from Hetzner's price list (one request). */
export async function pricedSnapshots(deps: CoreDeps, owner?: string): Promise<PricedSnapshot[]> {
  const snapshots = deps.store.snapshots.list(owner === undefined ? {} : { owner });
  if (snapshots.length === 0) return [];
  let perGb: number | null = null;
  try {
    perGb = Number((await deps.cloud.getPricing()).imagePerGbMonth);
  } catch (error) {
    deps.log.warn("prices unavailable for the snapshot list", { reason: String(error) });
  }
  return snapshots.map((snapshot) => ({
    snapshot,
    monthlyEuro: perGb === null || snapshot.imageSizeGb === null ? null : perGb * snapshot.imageSizeGb,
  }));
}

/** Deletes the image and closes the row; an image already gone counts as deleted. */
export async function deleteSnapshot(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  reason = "requested",
): Promise<Snapshot> {
  const snapshot = snapshotFor(deps, actor, id, "delete");
  if (snapshot.status === "saving") {
    throw new UserError(`The snapshot ${id} is still being made; delete it once it is done.`, {
      code: "busy",
    });
  }
  if (snapshot.imageId !== null) await deps.cloud.deleteImage(snapshot.imageId);
  deps.store.recordEvent(id, { actor: actor.id, kind: "snapshot_deleted", detail: reason });
  return deps.store.snapshots.deleted(id, deps.clock.now());
}

/** Keeps a snapshot for another retention period from now (the "Keep 7 more days" button). */
export async function keepSnapshot(deps: CoreDeps, actor: Actor, id: string): Promise<Snapshot> {
  const snapshot = snapshotFor(deps, actor, id, "keep");
  const days = deps.snapshots.retentionDays;
  const until = new Date(Math.max(snapshot.expiresAt.getTime(), deps.clock.now().getTime() + days * DAY_MS));
  // The label too, so the reconciler never takes the kept image for an expired orphan.
  if (snapshot.imageId !== null) {
    const image = await deps.cloud.getImage(snapshot.imageId);
    if (image) {
      await deps.cloud.setImageLabels(snapshot.imageId, {
        ...image.labels,
        "ccc-expires-at": String(Math.floor(until.getTime() / 1000)),
      });
    }
  }
  deps.store.recordEvent(id, {
    actor: actor.id,
    kind: "snapshot_kept",
    detail: `until ${until.toISOString()}`,
  });
  return deps.store.snapshots.keep(id, until);
}
