import { type Amount, formatEuros, toCents } from "../billing/money.ts";
import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import { monthName } from "../usage/month.ts";
import { budgetAmount } from "./budget-settings.ts";
import { type BudgetChange, monthsSpanned, projected, type Standing, standing } from "./standing.ts";

/** A budget that applies to someone: the person's own (or the default), or the team's. */
export interface Limit {
  scope: "user" | "team";
  amount: Amount;
  /** Set by an admin for this person, rather than the operator's default. */
  personal: boolean;
}

/** The person's limit this month: an admin's override, else `CCC_USER_MONTHLY_BUDGET_EUR`; null for none. */
export function userLimit(deps: Pick<CoreDeps, "store" | "policy">, user: string): Limit | null {
  const own = deps.store.budgets.get(user);
  const eur = own?.eur ?? deps.policy.budgets?.userMonthlyEur ?? null;
  return eur === null ? null : { scope: "user", amount: budgetAmount(eur), personal: own !== null };
}

export function teamLimit(deps: Pick<CoreDeps, "policy">): Limit | null {
  const eur = deps.policy.budgets?.teamMonthlyEur ?? null;
  return eur === null ? null : { scope: "team", amount: budgetAmount(eur), personal: false };
}

/** The share of a budget at which its holder is warned, once a month. */
const WARN_AT = { numerator: 4n, denominator: 5n };

const HOUR_MS = 3_600_000;

/**
 * Refuses a provision or an extend whose projected cost (spent, plus what running machines and this
 * request will cost until their expiry) would pass the person's or the team's budget, in each month
 * the request's hours fall in (a request late on the month's last day spends next month's too).
 * Synchronous and reading only the store, so the store runs it again inside the transaction that
 * records the request: requests racing each other (in one process or several) are checked one after
 * the other, each seeing what the others committed. Nothing has been changed when it throws.
 */
export function checkBudget(
  deps: Pick<CoreDeps, "store" | "policy" | "clock">,
  owner: string,
  change: BudgetChange,
): void {
  const mine = userLimit(deps, owner);
  const team = teamLimit(deps);
  if (!mine && !team) return;
  const now = deps.clock.now();
  for (const month of monthsSpanned(now, requestEnd(deps, change, now))) {
    for (const limit of [mine, team]) {
      if (!limit) continue;
      const s = standing(deps.store, now, limit.scope === "user" ? owner : undefined, change, month);
      const total = projected(s);
      if (total <= limit.amount) continue;
      const who = limit.scope === "user" ? "you" : "the team";
      const whose = limit.scope === "user" ? "your" : "its";
      throw new UserError(
        `This would bring ${who} to ${euros(total)} of ${whose} ${euros(limit.amount)} for ${monthName(month, now)}.`,
        { code: "over_budget", field: "hours" },
      );
    }
  }
}

/** When the request's hours run out: a provision's from now, an extend's past the machine's deadline. */
function requestEnd(deps: Pick<CoreDeps, "store">, change: BudgetChange, now: Date): Date {
  const from =
    change.kind === "provision"
      ? now.getTime()
      : Math.max(deps.store.get(change.instanceId)?.expiresAt.getTime() ?? 0, now.getTime());
  return new Date(from + change.hours * HOUR_MS);
}

/**
 * After a request was recorded: a budget it brought to 80 % of this month's limit sends that
 * budget's warning, once a month.
 */
export async function warnNearBudget(deps: CoreDeps, owner: string): Promise<void> {
  const now = deps.clock.now();
  for (const limit of [userLimit(deps, owner), teamLimit(deps)]) {
    if (!limit) continue;
    const s = standing(deps.store, now, limit.scope === "user" ? owner : undefined);
    const total = projected(s);
    if (total * WARN_AT.denominator < limit.amount * WARN_AT.numerator) continue;
    await warnOnce(deps, owner, limit, total, s);
  }
}

async function warnOnce(
  deps: CoreDeps,
  owner: string,
  limit: Limit,
  total: Amount,
  s: Standing,
): Promise<void> {
  const scope = limit.scope === "user" ? owner : "team";
  if (!deps.store.budgets.claimWarning(scope, s.month.key, deps.clock.now())) return;
  const share = Number((total * 100n) / limit.amount);
  const figures = `${euros(total)} of ${euros(limit.amount)} for ${monthName(s.month)} (${share} %), counting what running machines will cost until they expire`;
  const delivery = await deps.notifier.notify(
    limit.scope === "user"
      ? {
          kind: "user_alert",
          user: owner,
          text: `You have used ${figures}. ccc refuses what would go past it.`,
        }
      : { kind: "admin_alert", text: `The team has used ${figures}. ccc refuses what would go past it.` },
  );
  // Not sent: a later request tries again, so the warning is not lost to a Slack hiccup.
  if (delivery === "failed") deps.store.budgets.unclaimWarning(scope, s.month.key);
}

/** An exact amount shown to the cent. */
export function euros(amount: Amount): string {
  return formatEuros(toCents(amount));
}
