import { ForbiddenError } from "../errors.ts";
import type { Store } from "../store/store.ts";
import type { Instance } from "./instance.ts";

/** Who asks: a Slack user id or an operator name; admins may act on every instance. */
export interface Actor {
  id: string;
  isAdmin: boolean;
}

/** The scheduler and reconciler act as this. */
export const SYSTEM_ACTOR: Actor = { id: "ccc", isAdmin: true };

/** The one rule for what a person owns (a machine, a snapshot, a volume, a token, a key): theirs, or an admin. */
export function ownsOrAdmin(actor: Actor, owner: string): boolean {
  return actor.isAdmin || owner === actor.id;
}

/** Loads an instance the actor may act on (its owner, or an admin); a refusal is answered and recorded. */
export function instanceFor(store: Store, actor: Actor, id: string, action: string): Instance {
  const instance = store.require(id);
  requireOwnerOrAdmin(store, actor, instance, action);
  return instance;
}

/**
 * The owner of the machine, or an admin, may `action` it (the registry's `owner-or-admin` audience);
 * anyone else is refused, and the refusal is recorded on the machine.
 */
export function requireOwnerOrAdmin(store: Store, actor: Actor, instance: Instance, action: string): void {
  if (ownsOrAdmin(actor, instance.owner)) return;
  store.recordEvent(instance.id, { actor: actor.id, kind: "refused", detail: `${action}: not the owner` });
  throw new ForbiddenError(`${instance.id} is not yours, so you cannot ${action} it.`);
}

/**
 * The one rule for going beyond oneself, where an audience cannot say it: acting for someone else
 * (`--user`), for everyone (`--all`), or an admin's part of a verb anyone may run (`budget set`).
 * Admins may; so may the person `forWhom` names when it is the actor; anyone else hears "Only admins
 * can <what>.", the one message for it.
 */
export function onlyAdminsMay(actor: Actor, what: string, forWhom?: string): void {
  if (forWhom === undefined ? actor.isAdmin : ownsOrAdmin(actor, forWhom)) return;
  throw new ForbiddenError(`Only admins can ${what}.`);
}
