import { serverLabels } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import type { Actor } from "./actor.ts";
import { syncExpiryLabel } from "./expiry-label.ts";
import type { Instance } from "./instance.ts";
import { extendedExpiry } from "./policy.ts";

/** Rounds of "someone else extended first, start again from their deadline" before giving up. */
const MAX_ROUNDS = 10;

/**
 * Moves the deadline of instance `id` (already checked: it exists and `actor` may act on it) by
 * `hours`, within the caps. The server's `ccc-expires-at` label is written first, so it is never
 * behind the store (the reconciler trusts labels when the database is lost); then the store moves
 * by compare-and-set, so an extend racing another one (a click, a slash command, the CLI in another
 * process) starts again from the newer deadline instead of being lost; last the label is brought
 * to what the store says, whatever order the writes landed in.
 */
export async function extendDeadline(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  hours: number,
  /** Run inside the transaction that moves the deadline (the budget); throws to refuse. */
  check?: () => void,
): Promise<Instance> {
  let label: { serverId: number; written: Date | null } | null = null;
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const instance = deps.store.require(id);
      checkExtendable(instance, deps.clock.now());
      const expiresAt = extendedExpiry(instance.createdAt, instance.expiresAt, hours, deps.policy);
      if (instance.hetznerServerId !== null) {
        // Unknown until Hetzner answers: a lost answer may still have changed it.
        label = { serverId: instance.hetznerServerId, written: null };
        await deps.cloud.setServerLabels(instance.hetznerServerId, serverLabels(instance, expiresAt));
        label.written = expiresAt;
      }
      const moved = deps.store.extendExpiry(
        id,
        instance.expiresAt,
        expiresAt,
        {
          actor: actor.id,
          kind: "extended",
          detail: `+${hours} h to ${expiresAt.toISOString()}`,
        },
        check,
      );
      if (moved) {
        if (label) await syncExpiryLabel(deps, id, label.serverId, label.written);
        return deps.store.require(id);
      }
    }
    throw new UserError(`${id} is being extended by others right now; try again in a moment.`, {
      code: "busy",
    });
  } catch (error) {
    // A label written for an extend that did not happen must not outlive it.
    if (label) {
      await syncExpiryLabel(deps, id, label.serverId, label.written).catch((syncError: unknown) =>
        deps.log.warn("could not bring the expiry label back to the store", {
          instance: id,
          error: String(syncError),
        }),
      );
    }
    throw error;
  }
}

function checkExtendable(instance: Instance, now: Date): void {
  if (instance.status !== "ready" && instance.status !== "creating" && instance.status !== "installing") {
    throw new UserError(`${instance.id} is ${instance.status}; only a live machine can be extended.`, {
      code: "not_live",
    });
  }
  if (instance.expiresAt.getTime() <= now.getTime()) {
    throw new UserError(`${instance.id} has already expired and is being deleted.`, { code: "not_live" });
  }
}
