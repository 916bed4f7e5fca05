import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import type { Instance } from "../instances/instance.ts";
import type { WorkVolume } from "../store/store.ts";
import type { VolumePolicy } from "./volume-policy.ts";

/** The operator's volume rules. */
export function volumePolicy(deps: Pick<CoreDeps, "volumes">): VolumePolicy {
  return deps.volumes;
}

/** Labels on every work volume: how reconcile finds them without the database. */
export function volumeLabels(owner: string): Record<string, string> {
  // Label values allow letters, digits, `-`, `_` and `.` (an owner may hold an `@`).
  // and must end in a letter or digit.
  const value = owner
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .slice(0, 63)
    .replace(/[^A-Za-z0-9]+$/, "");
  return { "managed-by": "ccc", "ccc-owner": value };
}

/** The cloud's name for a volume: unique per ccc row. */
export function volumeName(volume: WorkVolume): string {
  return `ccc-work-${volume.location}-${volume.rowId}`;
}

function busyError(volume: WorkVolume, by: string, deps: CoreDeps): UserError {
  const machine = deps.store.get(by);
  const until = machine
    ? `, which runs until ${machine.expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC`
    : "";
  const id = volume.hetznerId === null ? "" : ` (${volume.hetznerId})`;
  return new UserError(
    `Your work volume in ${volume.location}${id} is in use by ${by}${until}; a volume serves one machine at a time. Go without it (no "Keep my work") or wait until ${by} is deleted. Nothing was created.`,
    { code: "volume_busy", field: "keepWork" },
  );
}

/** Refuses, before anything is recorded or made, a request for a volume another machine has. */
export function checkWorkVolumeFree(deps: CoreDeps, owner: string, location: string): void {
  const volume = deps.store.workVolumes.open(owner, location);
  if (volume?.instanceId) throw busyError(volume, volume.instanceId, deps);
}

/**
 * Promises the owner's volume in the machine's location to it (a new row when they have none yet,
 * made in the cloud at create time). Lost to a racing request: the machine is failed, nothing was
 * made, and the same answer as `checkWorkVolumeFree` is thrown.
 */
export function reserveWorkVolume(
  deps: CoreDeps,
  instance: Instance,
  sizeGb: number,
  onBusy: "fail-instance" | "throw" = "fail-instance",
): WorkVolume {
  const claim = deps.store.workVolumes.claim(
    instance.owner,
    instance.location,
    instance.id,
    sizeGb,
    deps.clock.now(),
  );
  if (claim.kind === "claimed") {
    deps.store.recordEvent(instance.id, {
      actor: "ccc",
      kind: "volume_reserved",
      detail:
        claim.volume.hetznerId === null ? `new ${sizeGb} GB volume` : `volume ${claim.volume.hetznerId}`,
    });
    return claim.volume;
  }
  const error = busyError(claim.volume, claim.by, deps);
  if (onBusy === "throw") throw error;
  deps.store.update(
    instance.id,
    { status: "failed", failureReason: error.message, deletedAt: deps.clock.now() },
    { actor: "ccc", kind: "failed", detail: `volume busy (${claim.by})` },
  );
  throw error;
}

/** The machine is gone: its volume is free for the next one, unused from now. */
export function releaseWorkVolume(deps: CoreDeps, instanceId: string): void {
  if (deps.store.workVolumes.release(instanceId, deps.clock.now())) {
    deps.store.recordEvent(instanceId, { actor: "ccc", kind: "volume_released", detail: null });
  }
}
