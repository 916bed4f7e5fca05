import type { CoreDeps } from "../deps.ts";
import { SLACK_USER_ID } from "../identity/identity.ts";
import type { ActionOnMachine, Delivery } from "../ports/notifier.ts";
import { type Actor, SYSTEM_ACTOR } from "./actor.ts";
import type { Instance } from "./instance.ts";

/**
 * Tells a machine's owner what someone else did to it (an admin's extend or delete, a machine made
 * for them, its failed build). Nothing when the owners acted themselves, when ccc did (its own
 * notices say so), or when the owner is an operator name, which no DM reaches.
 */
export async function tellOwner(
  deps: CoreDeps,
  actor: Actor,
  instance: Instance,
  action: ActionOnMachine,
): Promise<Delivery | null> {
  if (actor.id === instance.owner || actor.id === SYSTEM_ACTOR.id) return null;
  if (!SLACK_USER_ID.test(instance.owner)) return null;
  return deps.notifier.notify({ kind: "acted_on", instance, by: actor.id, action });
}
