import { type Amount, toCents } from "../billing/money.ts";
import type { Store } from "../store/store.ts";
import type { Month } from "./month.ts";
import { byDay, type MachineMonth, machineMonths } from "./month-costs.ts";

export const USAGE_GROUPS = ["user", "type", "location", "day"] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface UsageRow {
  key: string;
  amount: Amount;
  /** Rounded half up, as billed. */
  cents: number;
  hours: number;
  machines: number;
}

export interface UsageReport {
  month: Month;
  by: UsageGroup;
  /** Only this person's machines; null for everyone's. */
  user: string | null;
  rows: UsageRow[];
  total: { amount: Amount; cents: number; hours: number; machines: number };
}

/**
 * A month's spend up to `now`, grouped. Money stays exact until each row and the total are rounded
 * to cents on their own, so the total is what the month cost, not the sum of rounded rows.
 */
export function usageReport(
  store: Store,
  input: { month: Month; by: UsageGroup; user?: string | undefined; now: Date },
): UsageReport {
  const machines = machineMonths(store, input.month, input.now, input.user);
  const groups = new Map<string, { amount: Amount; hours: number; ids: Set<string> }>();
  const add = (key: string, id: string, hours: number, amount: Amount) => {
    const group = groups.get(key) ?? { amount: 0n, hours: 0, ids: new Set<string>() };
    group.amount += amount;
    group.hours += hours;
    group.ids.add(id);
    groups.set(key, group);
  };
  for (const m of machines) {
    if (input.by === "day") {
      for (const [day, part] of byDay(m, input.month)) add(day, m.instanceId, part.hours, part.amount);
    } else {
      add(keyOf(m, input.by), m.instanceId, m.hours, m.amount);
    }
  }
  const rows = [...groups].map(([key, g]) => ({
    key,
    amount: g.amount,
    cents: toCents(g.amount),
    hours: g.hours,
    machines: g.ids.size,
  }));
  // Code-unit order, not the locale's: the same rows come out in the same order everywhere.
  const byKey = (a: UsageRow, b: UsageRow) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  rows.sort(
    input.by === "day" ? byKey : (a, b) => (b.amount > a.amount ? 1 : b.amount < a.amount ? -1 : byKey(a, b)),
  );
  const amount = machines.reduce((sum, m) => sum + m.amount, 0n);
  return {
    month: input.month,
    by: input.by,
    user: input.user ?? null,
    rows,
    total: {
      amount,
      cents: toCents(amount),
      hours: machines.reduce((sum, m) => sum + m.hours, 0),
      machines: new Set(machines.map((m) => m.instanceId)).size,
    },
  };
}

function keyOf(m: MachineMonth, by: Exclude<UsageGroup, "day">): string {
  if (by === "user") return m.owner;
  if (by === "type") return m.serverType;
  return m.location;
}
