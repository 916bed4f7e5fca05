import { type Actor, instanceFor } from "./actor.ts";
import type { CoreDeps } from "./deps.ts";
import type { Instance } from "./instance.ts";
import { extendDeadline } from "./instances/extend-deadline.ts";
import { parseHours } from "./policy.ts";

/** Moves the deadline by `hours`, within the caps (see `extendDeadline` for how races end). */
export async function extend(
  deps: CoreDeps,
  actor: Actor,
  rawId: string,
  rawHours: unknown,
): Promise<Instance> {
  const hours = parseHours(rawHours, deps.policy);
  const { id } = instanceFor(deps.store, actor, rawId, "extend");
  return extendDeadline(deps, actor, id, hours);
}
