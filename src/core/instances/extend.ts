import { serverLabels } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import { type PushOutcome, pushMachineState } from "../machine/push-state.ts";
import { type Actor, instanceFor } from "./actor.ts";
import { type Instance, isRunning } from "./instance.ts";
import { capHours, extendedExpiry } from "./policy.ts";

/** An extend's result: the record as stored, and whether the machine shows the new expiry yet. */
export interface Extended {
  instance: Instance;
  machine: PushOutcome;
}

/**
 * Moves the deadline by `hours`, within the caps. The server's `ccc-expires-at` label changes
 * first: the reconciler trusts labels, so a label behind the store could delete a wanted machine.
 * The machine is told last; one that cannot be reached does not undo the extend.
 */
export async function extend(deps: CoreDeps, actor: Actor, id: string, hours: number): Promise<Extended> {
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
  const updated = deps.store.update(
    instance.id,
    { expiresAt },
    { actor: actor.id, kind: "extended", detail: `+${hours} h to ${expiresAt.toISOString()}` },
  );
  return { instance: updated, machine: await pushMachineState(deps, updated) };
}
