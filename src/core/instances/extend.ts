import { serverLabels } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import { type Actor, instanceFor } from "./actor.ts";
import { type Instance, isRunning } from "./instance.ts";
import { capHours, extendedExpiry } from "./policy.ts";

/**
 * Moves the deadline by `hours`, within the caps. The server's `ccc-expires-at` label changes
 * first: the reconciler trusts labels, so a label behind the store could delete a wanted machine.
 */
export async function extend(deps: CoreDeps, actor: Actor, id: string, hours: number): Promise<Instance> {
  capHours(hours, deps.policy);
  const instance = instanceFor(deps.store, actor, id, "extend");
  if (!isRunning(instance.status)) {
    throw new UserError(`${instance.id} is ${instance.status}; only a live machine can be extended.`, {
      code: "not_live",
    });
  }
  const now = deps.clock.now();
  if (instance.expiresAt.getTime() <= now.getTime()) {
    throw new UserError(`${instance.id} has already expired and is being deleted.`, { code: "not_live" });
  }
  const expiresAt = extendedExpiry(instance.createdAt, instance.expiresAt, hours, deps.policy);
  if (instance.hetznerServerId !== null) {
    await deps.cloud.setServerLabels(instance.hetznerServerId, serverLabels(instance.id, expiresAt));
  }
  return deps.store.update(
    instance.id,
    { expiresAt },
    { actor: actor.id, kind: "extended", detail: `+${hours} h to ${expiresAt.toISOString()}` },
  );
}
