import type { CoreDeps } from "../deps.ts";
import { ExternalError } from "../errors.ts";
import { type Instance, type InstanceStatus, isGoingAway } from "../instances/instance.ts";

/** Raised when the instance was deleted while it was being built (from any source). */
export class NoLongerWanted extends ExternalError {
  constructor(id: string) {
    super("hetzner", "deleted_meanwhile", `${id} was deleted while it was being built.`);
  }
}

/**
 * Raised when another process settled the build meanwhile (the reconciler failed a build whose process
 * seemed dead): a stalled process that wakes up must not undo that.
 */
export class SettledMeanwhile extends ExternalError {
  constructor(id: string, status: InstanceStatus) {
    super(
      "hetzner",
      "settled_meanwhile",
      `${id} was marked ${status} by another ccc process while this one built it.`,
    );
  }
}

/** A build may go on only while its row says it is being built. */
export function isBeingBuilt(status: InstanceStatus | undefined): boolean {
  return status === "creating" || status === "installing";
}

/** Refuses to go on with an instance someone deleted, or another process settled, meanwhile. */
export function checkStillWanted(deps: Pick<CoreDeps, "store">, id: string): Instance {
  const current = deps.store.require(id);
  if (isGoingAway(current.status)) throw new NoLongerWanted(id);
  if (!isBeingBuilt(current.status)) throw new SettledMeanwhile(id, current.status);
  return current;
}

/** Records the next step of a build unless someone deleted the instance in the meantime. */
export function stillWanted(
  deps: CoreDeps,
  id: string,
  patch: Parameters<CoreDeps["store"]["update"]>[1],
  note: { kind?: string; detail?: string | null } = {},
): Instance {
  checkStillWanted(deps, id);
  return deps.store.update(id, patch, {
    actor: "ccc",
    kind: note.kind ?? patch.status ?? "server_created",
    detail: note.detail !== undefined ? note.detail : patch.ipv4 ? `server at ${patch.ipv4}` : null,
  });
}
