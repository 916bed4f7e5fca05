import { ForbiddenError, UserError } from "./errors.ts";
import { type Instance, isInstanceId } from "./instance.ts";
import { normalizeInstanceId } from "./instances/instance-id.ts";
import type { InstanceStore } from "./store/instance-store.ts";

/** Who asks: a Slack user id or an operator name; admins may act on every instance. */
export interface Actor {
  id: string;
  isAdmin: boolean;
}

/** The scheduler and reconciler act as this. */
export const SYSTEM_ACTOR: Actor = { id: "ccc", isAdmin: true };

/** Checks the shape of an id before anything looks it up. */
export function parseInstanceId(value: string): string {
  const id = normalizeInstanceId(value);
  if (!isInstanceId(id)) {
    throw new UserError(`"${value.slice(0, 30)}" is not an instance id; ids look like ccc-7f3k2q.`, {
      field: "id",
    });
  }
  return id;
}

/** Loads an instance the actor may act on; a refusal is answered and recorded. */
export function instanceFor(store: InstanceStore, actor: Actor, rawId: string, action: string): Instance {
  const instance = store.require(parseInstanceId(rawId));
  if (!actor.isAdmin && instance.owner !== actor.id) {
    store.recordEvent(instance.id, { actor: actor.id, kind: "refused", detail: `${action}: not the owner` });
    throw new ForbiddenError(`${instance.id} is not yours, so you cannot ${action} it.`);
  }
  return instance;
}
