import type { Store } from "../store/store.ts";
import { type Month, monthOf, previousMonth } from "./month.ts";
import { usageReport } from "./usage-report.ts";

/** This month's spend for the admins' App Home: the total, who spent most, and last month beside it. */
export interface SpendSummary {
  month: Month;
  cents: number;
  top: { user: string; cents: number }[];
  lastMonth: { month: Month; cents: number };
}

export function spendSummary(store: Store, now: Date, topCount = 5): SpendSummary {
  const month = monthOf(now);
  const current = usageReport(store, { month, by: "user", now });
  const last = previousMonth(month);
  const before = usageReport(store, { month: last, by: "user", now });
  return {
    month,
    cents: current.total.cents,
    top: current.rows.slice(0, topCount).map((r) => ({ user: r.key, cents: r.cents })),
    lastMonth: { month: last, cents: before.total.cents },
  };
}
