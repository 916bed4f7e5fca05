import type { Amount } from "../billing/money.ts";
import type { CoreDeps } from "../deps.ts";
import type { Month } from "../usage/month.ts";

/** Claude Code's dollar cost as an exact euro `Amount` at the operator's rate (to 10^-8 €, then exact). */
export function taskCostEur(deps: Pick<CoreDeps, "tasks">, usd: number): Amount {
  const rate = deps.tasks.eurPerUsd;
  return BigInt(Math.round(usd * rate * 1e8)) * 10n ** 8n;
}

/** What tasks finished in `month` (up to now) cost: one person's, or everyone's. Counted in budgets. */
export function taskSpent(store: CoreDeps["store"], month: Month, now: Date, owner?: string): Amount {
  const to = now < month.end ? now : month.end;
  if (to <= month.start) return 0n;
  return store.tasks.costsIn(month.start, new Date(to.getTime() + 1), owner).reduce((a, b) => a + b, 0n);
}
