import { checkBudget, warnNearBudget } from "../budget/check-budget.ts";
import type { BudgetChange } from "../budget/standing.ts";
import type { CoreDeps } from "../deps.ts";
import { checkExtendGuardrails } from "../guardrails/check-request.ts";
import { type PushOutcome, pushMachineState } from "../machine/push-state.ts";
import { type Actor, instanceFor } from "./actor.ts";
import { extendDeadline } from "./extend-deadline.ts";
import type { Instance } from "./instance.ts";
import { capHours } from "./policy.ts";

/** An extend's result: the record as stored, and whether the machine shows the new expiry yet. */
export interface Extended {
  instance: Instance;
  machine: PushOutcome;
}

/**
 * Moves the deadline by `hours`, within the caps (see `extendDeadline` for how races end: the
 * label is never behind the store). The machine is told last; one that cannot be reached does not
 * undo the extend.
 */
export async function extend(deps: CoreDeps, actor: Actor, id: string, hours: number): Promise<Extended> {
  capHours(hours, deps.policy);
  checkExtendGuardrails(deps, hours);
  const instance = instanceFor(deps.store, actor, id, "extend");
  const change: BudgetChange = { kind: "extend", instanceId: instance.id, hours };
  checkBudget(deps, instance.owner, change);
  // Checked again in the write that moves the deadline: extends at once never pass the budget together.
  const updated = await extendDeadline(deps, actor, instance.id, hours, () =>
    checkBudget(deps, instance.owner, change),
  );
  await warnNearBudget(deps, instance.owner);
  return { instance: updated, machine: await pushMachineState(deps, updated) };
}
