import type { CoreDeps } from "../deps.ts";
import { type Actor, instanceFor } from "./actor.ts";
import { extendDeadline } from "./extend-deadline.ts";
import type { Instance } from "./instance.ts";
import { capHours } from "./policy.ts";

/** Moves the deadline by `hours`, within the caps (see `extendDeadline` for how races end). */
export async function extend(deps: CoreDeps, actor: Actor, id: string, hours: number): Promise<Instance> {
  capHours(hours, deps.policy);
  const instance = instanceFor(deps.store, actor, id, "extend");
  return extendDeadline(deps, actor, instance.id, hours);
}
