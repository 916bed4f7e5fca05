import { formatEuros } from "../core/billing/money.ts";
import type { MachineCost } from "../core/usage/machine-cost.ts";

/**
 * Euros held as a number (an estimate: a price times hours, a monthly storage cost) as every door
 * shows money: `€3.57`, `€1,234.00`, through the one formatter of cents.
 */
export function euroEstimate(eur: number): string {
  return formatEuros(Math.round(eur * 100));
}

/**
 * " It cost €0.30 (3 hours started)." after a deletion; nothing when the cost is not known or no
 * hour was billed (its server was never made).
 */
export function costSentence(cost: MachineCost | undefined): string {
  if (!cost || cost.hours === 0) return "";
  return ` It cost ${formatEuros(cost.cents)} (${cost.hours} hour${cost.hours === 1 ? "" : "s"} started).`;
}
