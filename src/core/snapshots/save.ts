import type { CoreDeps } from "../deps.ts";
import { QuotaError, UserError } from "../errors.ts";
import { type Actor, instanceFor } from "../instances/actor.ts";
import { deprovision } from "../instances/deprovision.ts";
import type { Instance } from "../instances/instance.ts";
import { instanceLease, takeLease } from "../lifecycle/leases.ts";
import type { Snapshot } from "../store/store.ts";
import { userFacingFailure } from "../user-facing-failure.ts";
import { snapshotLabels } from "./snapshot-labels.ts";
import { DAY_MS } from "./snapshot-policy.ts";

export type SaveResult =
  /** The snapshot is made and the machine deleted. */
  | { kind: "saved"; snapshot: Snapshot; instance: Instance }
  /** The snapshot failed: the machine keeps running until its expiry, and the owner was told. */
  | { kind: "failed"; snapshot: Snapshot; instance: Instance; reason: string };

/**
 * Snapshots a ready machine, waits for the image, then deletes the machine the normal way. Refused
 * before anything is spent: someone else's machine, one that is not ready, one already being saved,
 * an owner with a full snapshot quota. The instance's lease is held throughout, so the expiry sweep
 * leaves the machine alone until the snapshot is done.
 */
export async function saveMachine(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  reason = "saved",
): Promise<SaveResult> {
  const { finish } = await startSave(deps, actor, id, reason);
  return finish();
}

/**
 * The refusals of `saveMachine` and the record of the save, without waiting for the snapshot: the
 * HTTP API answers then and lets `finish` run in the background. The lease is held until `finish` ends.
 */
export async function startSave(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  reason = "saved",
): Promise<{ snapshot: Snapshot; finish: () => Promise<SaveResult> }> {
  const instance = instanceFor(deps.store, actor, id, "save");
  if (deps.store.snapshots.get(instance.id)?.status === "saving") {
    throw new UserError(`${instance.id} is already being saved.`, { code: "already_saving" });
  }
  const lease = takeLease(deps, instanceLease(instance.id));
  if (!lease)
    throw new UserError(`${instance.id} is busy (being saved, built or deleted); try again shortly.`, {
      code: "busy",
    });
  try {
    const current = deps.store.require(instance.id);
    const snapshot = await beginSave(deps, actor, current);
    const finish = () => finishSave(deps, actor, current, snapshot, reason).finally(() => lease.release());
    return { snapshot, finish };
  } catch (error) {
    lease.release();
    throw error;
  }
}

/** How a save made for another purpose (a hibernation) differs from a person's save. */
export interface SaveOptions {
  /** Extra labels on the image (e.g. `ccc-hibernation`). */
  labels?: Record<string, string>;
  description?: string;
  /** The snapshot's retention end instead of the snapshot policy's. */
  expiresAt?: Date;
  /** The most snapshots the owner may hold; the policy's when left out. */
  maxPerUser?: number;
  /** Leave the "saved" DM to the caller (the failure DM is still sent: the owner must know). */
  quiet?: boolean;
  /** Runs (and is awaited) after the image is made and before the machine is deleted (a hibernation records its sleep, keeps its addresses). */
  beforeDelete?: (snapshot: Snapshot) => unknown;
}

/** The save itself; the caller holds the instance's lease (the sweep does, for save on expiry). */
export async function saveUnderLease(
  deps: CoreDeps,
  actor: Actor,
  instance: Instance,
  reason: string,
  options: SaveOptions = {},
): Promise<SaveResult> {
  return finishSave(deps, actor, instance, await beginSave(deps, actor, instance, options), reason, options);
}

/** Takes the snapshot recorded by `beginSave`, then deletes the machine; a failed snapshot keeps it. */
async function finishSave(
  deps: CoreDeps,
  actor: Actor,
  instance: Instance,
  snapshot: Snapshot,
  reason: string,
  options: SaveOptions = {},
): Promise<SaveResult> {
  const serverId = instance.hetznerServerId as number;
  const note = (kind: string, detail: string) =>
    deps.store.recordEvent(instance.id, { actor: actor.id, kind, detail });
  note("saving", `snapshot of server ${serverId}, kept until ${snapshot.expiresAt.toISOString()}`);
  try {
    const { image, action } = await deps.cloud.createSnapshot(serverId, {
      description: options.description ?? `${instance.id} saved by ccc`,
      labels: { ...snapshotLabels(instance, snapshot.expiresAt), ...options.labels },
    });
    deps.store.snapshots.setImage(instance.id, image.id);
    await deps.cloud.waitForAction(action.id, undefined, { slow: true });
    const made = (await deps.cloud.getImage(image.id)) ?? image;
    const available = deps.store.snapshots.available(instance.id, {
      imageSizeGb: made.imageSizeGb,
      diskGb: made.diskSizeGb,
      architecture: made.architecture,
      pricePerGbMonth: await snapshotPricePerGb(deps),
    });
    note("saved", `image ${image.id}`);
    await options.beforeDelete?.(available);
    const { instance: deleted } = await deprovision(deps, actor, instance.id, reason);
    if (!options.quiet) await deps.notifier.notify({ kind: "saved", instance: deleted, snapshot: available });
    return { kind: "saved", snapshot: available, instance: deleted };
  } catch (error) {
    const current = deps.store.snapshots.get(instance.id);
    // The image is made: only the delete failed, which the sweep retries like any delete.
    if (current?.status === "available") throw error;
    const why = userFacingFailure(error);
    const failed = deps.store.snapshots.failed(instance.id, why);
    note("save_failed", error instanceof Error ? error.message : String(error));
    deps.log.error("save failed; the machine is kept", { instance: instance.id, reason: String(error) });
    const kept = deps.store.require(instance.id);
    await deps.notifier.notify({ kind: "save_failed", instance: kept, snapshot: failed, reason: why });
    return { kind: "failed", snapshot: failed, instance: kept, reason: why };
  }
}

/** Checks the request and records the save as under way, or refuses and changes nothing. */
async function beginSave(
  deps: CoreDeps,
  actor: Actor,
  instance: Instance,
  options: SaveOptions = {},
): Promise<Snapshot> {
  if (instance.status !== "ready" || instance.hetznerServerId === null) {
    throw new UserError(`${instance.id} is ${instance.status}; only a ready machine can be saved.`, {
      code: "not_ready",
    });
  }
  const policy = deps.snapshots;
  const type = (await deps.catalog.load()).types.find((t) => t.name === instance.serverType);
  const now = deps.clock.now();
  const begun = deps.store.snapshots.begin(
    {
      id: instance.id,
      owner: instance.owner,
      hostKey: instance.hostKey,
      architecture: type?.architecture ?? "x86",
      diskGb: type?.diskGb ?? 0,
      serverType: instance.serverType,
      location: instance.location,
      createdAt: now,
      expiresAt: options.expiresAt ?? new Date(now.getTime() + policy.retentionDays * DAY_MS),
    },
    options.maxPerUser ?? policy.maxPerUser,
  );
  if ("kind" in begun) {
    const detail = begun.kind === "saving" ? "already saved or being saved" : "snapshot quota full";
    deps.store.recordEvent(instance.id, { actor: actor.id, kind: "refused", detail: `save: ${detail}` });
    if (begun.kind === "saving") {
      throw new UserError(`${instance.id} is already being saved.`, { code: "already_saving" });
    }
    throw new QuotaError(
      `${instance.owner} already has ${policy.maxPerUser} snapshots, the most allowed; delete one first (the oldest is ${begun.oldest.id}: ccc snapshot delete ${begun.oldest.id}).`,
    );
  }
  return begun;
}

/** The price a snapshot is billed at, from Hetzner's price list; null (and a warning) rather than a failed save. */
async function snapshotPricePerGb(deps: CoreDeps): Promise<string | null> {
  try {
    return (await deps.cloud.getPricing()).imagePerGbMonth;
  } catch (error) {
    deps.log.warn("snapshot price unknown; it is not counted in usage", { reason: String(error) });
    return null;
  }
}
