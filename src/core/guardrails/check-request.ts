import { checkBudget } from "../budget/check-budget.ts";
import type { BudgetChange } from "../budget/standing.ts";
import type { Offer } from "../cloud/catalog.ts";
import type { CoreDeps } from "../deps.ts";
import { checkMinHours, checkOffer, checkProvisionRate, HOUR_MS } from "./guardrails.ts";

/**
 * The guardrails a provision passes before anything is recorded: enough hours, a type within the
 * allowed list and the hourly ceiling, and not too many machines created by its owner within the
 * last hour (counted from the audit trail, so deleting them again does not make room).
 */
export async function checkProvisionGuardrails(
  deps: CoreDeps,
  request: { owner: string; offer: Offer; hours: number },
): Promise<void> {
  const { guardrails } = deps;
  checkMinHours(request.hours, guardrails);
  checkOffer(request.offer, await deps.catalog.offers(request.offer.location), guardrails);
  checkRate(deps, request.owner);
}

/**
 * What a new machine is checked against again inside the write that records it (see `Store.add`):
 * the hourly provision limit and the budgets, both counted from what is recorded, so any number of
 * requests at once (in one process or several) never pass more than they allow.
 */
export function checkWhenRecorded(deps: CoreDeps, owner: string, change: BudgetChange): () => void {
  return () => {
    checkRate(deps, owner);
    checkBudget(deps, owner, change);
  };
}

function checkRate(deps: CoreDeps, owner: string): void {
  const since = deps.clock.now().getTime() - HOUR_MS;
  checkProvisionRate(deps.store.audit.creationsSince(owner, since), deps.guardrails);
}

/** The guardrails an extend passes: at least the minimum hours. */
export function checkExtendGuardrails(deps: CoreDeps, hours: number): void {
  checkMinHours(hours, deps.guardrails);
}
