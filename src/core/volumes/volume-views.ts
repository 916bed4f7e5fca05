import type { CoreDeps } from "../deps.ts";
import { ForbiddenError, NotFoundError, UserError } from "../errors.ts";
import { type Actor, onlyAdminsMay, ownsOrAdmin } from "../instances/actor.ts";
import type { WorkVolume } from "../store/store.ts";
import { volumeMonthlyCents, volumePricePerGb } from "./volume-price.ts";
import { volumePolicy } from "./work-volume.ts";

/** One volume as the lists show it. */
export interface VolumeView {
  id: number;
  owner: string;
  location: string;
  sizeGb: number;
  /** Null when the price list could not be had. */
  monthlyCents: number | null;
  /** The machine that has it now, or null. */
  attachedTo: string | null;
  lastUsedAt: Date;
  /** When it is deleted unless used or kept; null while attached. */
  deleteAfter: Date | null;
}

const DAY_MS = 86_400_000;

/** The end of a free volume's retention. */
export function retentionEnd(deps: CoreDeps, volume: WorkVolume): Date {
  return new Date(volume.lastUsedAt.getTime() + volumePolicy(deps).retentionDays * DAY_MS);
}

/**
 * Volumes the actor may see: their own; someone else's (`user`) or everyone's (`all`) for admins.
 * Volumes whose machine ended without freeing them are freed first, so "attached" is true.
 */
export async function listWorkVolumes(
  deps: CoreDeps,
  actor: Actor,
  scope: { user?: string | undefined; all?: boolean | undefined },
): Promise<VolumeView[]> {
  const user = scope.user ?? actor.id;
  onlyAdminsMay(actor, "list other people's volumes", scope.all ? undefined : user);
  deps.store.workVolumes.releaseStale(deps.clock.now());
  const rows = deps.store.workVolumes
    .list(scope.all ? undefined : user)
    .filter((v): v is WorkVolume & { hetznerId: number } => v.hetznerId !== null);
  const perGb = rows.length > 0 ? await volumePricePerGb(deps) : null;
  return rows.map((v) => ({
    id: v.hetznerId,
    owner: v.owner,
    location: v.location,
    sizeGb: v.sizeGb,
    monthlyCents: perGb === null ? null : volumeMonthlyCents(perGb, v.sizeGb),
    attachedTo: v.instanceId,
    lastUsedAt: v.lastUsedAt,
    deleteAfter: v.instanceId ? null : retentionEnd(deps, v),
  }));
}

/** A volume id as typed: Hetzner's number. */
export function parseVolumeId(value: unknown): number {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!/^[0-9]{1,12}$/.test(text)) {
    throw new UserError(
      `A volume id is a number, as \`ccc volumes\` shows it (got "${text.slice(0, 20)}").`,
      {
        field: "id",
      },
    );
  }
  return Number(text);
}

/** The volume the actor may act on; unknown and foreign ids are refused alike in what they reveal. */
export function volumeFor(deps: CoreDeps, actor: Actor, id: number): WorkVolume {
  const volume = deps.store.workVolumes.byHetznerId(id);
  if (!volume) throw new NotFoundError(`ccc knows no work volume ${id}.`);
  if (!ownsOrAdmin(actor, volume.owner)) {
    throw new ForbiddenError(`Volume ${id} is not yours.`);
  }
  return volume;
}

/**
 * Deletes a work volume and everything on it: the owner or an admin, never while a machine has it
 * (at Hetzner too). The row is kept, closed, for the record.
 */
export async function deleteWorkVolume(
  deps: CoreDeps,
  actor: Actor,
  id: number,
  reason = "deleted by its owner",
): Promise<WorkVolume> {
  deps.store.workVolumes.releaseStale(deps.clock.now());
  const volume = volumeFor(deps, actor, id);
  if (volume.instanceId) {
    throw new UserError(
      `Volume ${id} is attached to ${volume.instanceId}; delete that machine first (the volume stays until then).`,
      { code: "volume_attached" },
    );
  }
  const cloud = await deps.cloud.volumes.get(id);
  if (cloud?.serverId !== null && cloud?.serverId !== undefined) {
    throw new UserError(
      `Volume ${id} is still attached to a server at Hetzner; try again in a few minutes.`,
      {
        code: "volume_attached",
      },
    );
  }
  if (cloud) await deps.cloud.volumes.delete(id);
  deps.store.workVolumes.close(volume.rowId, cloud ? reason : "vanished", deps.clock.now());
  deps.log.info("work volume deleted", { volume: id, owner: volume.owner, by: actor.id, reason });
  return { ...volume, closedAt: deps.clock.now() };
}

/** "Keep it": the retention clock starts again now; answers the new end. */
export function keepWorkVolume(deps: CoreDeps, actor: Actor, id: number): Date {
  const volume = volumeFor(deps, actor, id);
  deps.store.workVolumes.keep(volume.rowId, deps.clock.now());
  deps.log.info("work volume kept", { volume: id, by: actor.id });
  return retentionEnd(deps, deps.store.workVolumes.get(volume.rowId) ?? volume);
}
