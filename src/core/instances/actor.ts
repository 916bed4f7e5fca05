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

/** Loads an instance the actor may act on (its owner, or an admin); a refusal is answered and recorded. */
export function instanceFor(store: Store, actor: Actor, id: string, action: string): Instance {
  const instance = store.require(id);
  if (!actor.isAdmin && instance.owner !== actor.id) {
    store.recordEvent(instance.id, { actor: actor.id, kind: "refused", detail: `${action}: not the owner` });
    throw new ForbiddenError(`${instance.id} is not yours, so you cannot ${action} it.`);
  }
  return instance;
}
