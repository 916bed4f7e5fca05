import { formatEuros } from "../core/billing/money.ts";
import type { MachineCost } from "../core/usage/machine-cost.ts";

/** " It cost €0.30 (3 hours)." after a deletion; nothing when the cost is not known. */
export function costSentence(cost: MachineCost | undefined): string {
  if (!cost) return "";
  return ` It cost ${formatEuros(cost.cents)} (${cost.hours} hour${cost.hours === 1 ? "" : "s"} started).`;
}
