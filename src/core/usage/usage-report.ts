import { type Amount, toCents } from "../billing/money.ts";
import type { Store } from "../store/store.ts";
import type { Month } from "./month.ts";
import { byDay, type MachineMonth, machineMonths, runningMonths } from "./month-costs.ts";
import { type StorageMonth, storageByDay, storageMonths } from "./storage-costs.ts";

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
  const groups = new Map<string, { amount: Amount; hours: number; machines: number }>();
  const ids = new Set<string>();
  const add = (key: string, hours: number, amount: Amount, machines: number) => {
    const group = groups.get(key) ?? { amount: 0n, hours: 0, machines: 0 };
    group.amount += amount;
    group.hours += hours;
    group.machines += machines;
    groups.set(key, group);
  };
  let total = { amount: 0n, hours: 0, machines: 0 };
  // Volumes and snapshots count like machines: one each in `machines`, their hours held in `hours`.
  const storage = storageMonths(store, input.month, input.now, input.user);
  if (input.by === "day") {
    const machines = machineMonths(store, input.month, input.now, input.user);
    // A machine running over midnight counts on each of its days, and once in the total.
    for (const m of machines) {
      for (const [day, part] of byDay(m, input.month)) add(day, part.hours, part.amount, 1);
      ids.add(m.instanceId);
    }
    for (const item of storage) {
      for (const [day, part] of storageByDay(item, input.month)) add(day, part.hours, part.amount, 1);
      ids.add(item.id);
    }
    const billed = [...machines, ...storage];
    total = {
      amount: sum(billed.map((m) => m.amount)),
      hours: count(billed.map((m) => m.hours)),
      machines: ids.size,
    };
  } else {
    // Closed machines are summed by SQLite from the ledger's monthly figures; running ones added here.
    const column = input.by === "user" ? "owner" : input.by === "type" ? "server_type" : "location";
    for (const g of store.ledger.closedGroups(input.month.key, column, input.user)) {
      add(g.key, g.hours, g.amount, g.machines);
    }
    for (const m of runningMonths(store, input.month, input.now, input.user))
      add(keyOf(m, input.by), m.hours, m.amount, 1);
    for (const item of storage) add(storageKey(item, input.by), item.hours, item.amount, 1);
    const all = [...groups.values()];
    total = {
      amount: sum(all.map((g) => g.amount)),
      hours: count(all.map((g) => g.hours)),
      machines: count(all.map((g) => g.machines)),
    };
  }
  const rows = [...groups].map(([key, g]) => ({
    key,
    amount: g.amount,
    cents: toCents(g.amount),
    hours: g.hours,
    machines: g.machines,
  }));
  // Code-unit order, not the locale's: the same rows come out in the same order everywhere.
  const byKey = (a: UsageRow, b: UsageRow) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  rows.sort(
    input.by === "day" ? byKey : (a, b) => (b.amount > a.amount ? 1 : b.amount < a.amount ? -1 : byKey(a, b)),
  );
  return {
    month: input.month,
    by: input.by,
    user: input.user ?? null,
    rows,
    total: { ...total, cents: toCents(total.amount) },
  };
}

const sum = (values: Amount[]) => values.reduce((a, b) => a + b, 0n);
const count = (values: number[]) => values.reduce((a, b) => a + b, 0);

function storageKey(item: StorageMonth, by: Exclude<UsageGroup, "day">): string {
  if (by === "user") return item.owner;
  if (by === "type") return item.kind;
  return item.location;
}

function keyOf(m: MachineMonth, by: Exclude<UsageGroup, "day">): string {
  if (by === "user") return m.owner;
  if (by === "type") return m.serverType;
  return m.location;
}
