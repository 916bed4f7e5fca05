import type { CoreDeps } from "../deps.ts";
import { ExternalError } from "../errors.ts";
import { noteTaskMachineDeleted } from "../tasks/task-machine-gone.ts";
import { releaseWorkVolume } from "../volumes/work-volume.ts";
import { type Actor, instanceFor } from "./actor.ts";
import type { Instance } from "./instance.ts";

export interface DeprovisionResult {
  instance: Instance;
  /** False when there was nothing left to delete (already deleted or failed). */
  changed: boolean;
}

/**
 * Deletes the instance's server and marks it `deleted` once Hetzner confirms (a 404 counts).
 * Safe to repeat: a deleted instance is answered as it is. A failed delete leaves it `deleting`,
 * which the expiry sweep retries.
 */
export async function deprovision(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  reason = "requested",
): Promise<DeprovisionResult> {
  const instance = instanceFor(deps.store, actor, id, "delete");
  if (instance.status === "deleted") return { instance, changed: false };
  if (instance.status === "failed") {
    // Its server was deleted when it failed; if that cleanup failed too, try once more.
    if (instance.hetznerServerId !== null) await deleteServer(deps, instance, actor, reason);
    return { instance, changed: false };
  }
  if (instance.status !== "deleting") {
    deps.store.update(
      instance.id,
      { status: "deleting" },
      { actor: actor.id, kind: "deleting", detail: reason },
    );
  }
  await deleteServer(deps, instance, actor, reason);
  const { instance: deleted, removed } = deps.store.remove(instance.id, {
    actor: actor.id,
    kind: "deleted",
    detail: reason,
  });
  // A delete that ran at the same time (a second click, the sweep) recorded it and told the owner.
  if (!removed) return { instance: deleted, changed: false };
  // Tasks that ended on it say so in their own events (the grace's end, Delete now, anyone's delete).
  noteTaskMachineDeleted(deps, instance.id, actor, reason);
  // Hetzner detaches a volume when its server goes: it stays, free for the owner's next machine.
  releaseWorkVolume(deps, instance.id);
  return { instance: deleted, changed: true };
}

/** A server Hetzner is already deleting counts as deleted: it is on its way out, and a second DELETE is refused. */
async function deleteServer(deps: CoreDeps, instance: Instance, actor: Actor, reason: string): Promise<void> {
  try {
    if (instance.hetznerServerId !== null) {
      // A retry: the earlier attempt may have reached Hetzner after all, so look before asking again.
      if (instance.status === "deleting" || instance.status === "failed") {
        const server = await deps.cloud.getServer(instance.hetznerServerId);
        if (server === null || server.status === "deleting") return;
      }
      await deps.cloud.deleteServer(instance.hetznerServerId);
      return;
    }
    // Recorded but its create answer never arrived: the label still finds what was made.
    for (const server of await deps.cloud.listServers(`ccc-instance=${instance.id}`)) {
      if (server.status !== "deleting") await deps.cloud.deleteServer(server.id);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.store.recordEvent(instance.id, {
      actor: actor.id,
      kind: "delete_failed",
      detail: `${reason}: ${message}`,
    });
    if (isLocked(error)) {
      // Another action (a snapshot, a volume attach) holds the server for now; the sweep tries again.
      throw new ExternalError(
        "hetzner",
        "locked",
        `Hetzner is busy with the server of ${instance.id} (another action holds it); ccc deletes it as soon as it is free.`,
        { status: 423, cause: error },
      );
    }
    if (error instanceof ExternalError) throw error;
    throw new ExternalError("hetzner", "delete_failed", message, { cause: error });
  }
}

/** Hetzner's 423 `locked`: the resource is busy with another action and will be free again. */
export function isLocked(error: unknown): boolean {
  return error instanceof ExternalError && error.code === "locked";
}
