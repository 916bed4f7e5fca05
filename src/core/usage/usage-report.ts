import { type Amount, toCents } from "../billing/money.ts";
import type { Store } from "../store/store.ts";
import type { Month } from "./month.ts";
import { byDay, type MachineMonth, machineMonths, runningMonths } from "./month-costs.ts";
import { poolIdleMonths } from "./pool-idle-costs.ts";
import { type StorageMonth, storageByDay, storageMonths } from "./storage-costs.ts";

export const USAGE_GROUPS = ["user", "type", "location", "day"] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

/** What a row or the total counts: servers, volumes and snapshots apart. */
export interface UsageCounts {
  machines: number;
  volumes: number;
  snapshots: number;
}

export interface UsageRow extends UsageCounts {
  key: string;
  amount: Amount;
  /** Rounded half up, as billed. */
  cents: number;
  hours: number;
}

export interface UsageReport {
  month: Month;
  by: UsageGroup;
  /** Only this person's machines; null for everyone's. */
  user: string | null;
  rows: UsageRow[];
  /** `cents` is the sum of the rows' cents, so the total always adds up to what the rows show. */
  total: UsageCounts & { amount: Amount; cents: number; hours: number };
}

/**
 * A month's spend up to `now`, grouped. Money stays exact until each row is rounded to cents; the
 * total is the sum of the rounded rows, so a reader adding up the rows gets the total shown.
 */
export function usageReport(
  store: Store,
  input: { month: Month; by: UsageGroup; user?: string | undefined; now: Date },
): UsageReport {
  const groups = new Map<string, Omit<UsageRow, "key" | "cents">>();
  const add = (key: string, hours: number, amount: Amount, counts: Partial<UsageCounts>) => {
    const group = groups.get(key) ?? { amount: 0n, hours: 0, machines: 0, volumes: 0, snapshots: 0 };
    group.amount += amount;
    group.hours += hours;
    group.machines += counts.machines ?? 0;
    group.volumes += counts.volumes ?? 0;
    group.snapshots += counts.snapshots ?? 0;
    groups.set(key, group);
  };
  let counted: UsageCounts & { hours: number };
  // Volumes and snapshots are counted apart from machines; their hours held count in `hours`.
  const storage = storageMonths(store, input.month, input.now, input.user);
  // The warm pool's idle hours are the operator's: in everyone's report, on a line of their own.
  const poolIdle = input.user === undefined ? poolIdleMonths(store, input.month, input.now) : [];
  if (input.by === "day") {
    const machines = [...machineMonths(store, input.month, input.now, input.user), ...poolIdle];
    // A machine running over midnight counts on each of its days, and once in the total.
    for (const m of machines) {
      for (const [day, part] of byDay(m, input.month)) add(day, part.hours, part.amount, { machines: 1 });
    }
    for (const item of storage) {
      for (const [day, part] of storageByDay(item, input.month)) add(day, part.hours, part.amount, one(item));
    }
    const billed = [...machines, ...storage];
    counted = {
      hours: count(billed.map((m) => m.hours)),
      machines: new Set(machines.map((m) => m.instanceId)).size,
      volumes: new Set(storage.filter((s) => s.kind === "volume").map((s) => s.id)).size,
      snapshots: new Set(storage.filter((s) => s.kind === "snapshot").map((s) => s.id)).size,
    };
  } else {
    // Closed machines are summed by SQLite from the ledger's monthly figures; running ones added here.
    const column = input.by === "user" ? "owner" : input.by === "type" ? "server_type" : "location";
    for (const g of store.ledger.closedGroups(input.month.key, column, input.user)) {
      add(g.key, g.hours, g.amount, { machines: g.machines });
    }
    for (const m of [...runningMonths(store, input.month, input.now, input.user), ...poolIdle])
      add(keyOf(m, input.by), m.hours, m.amount, { machines: 1 });
    for (const item of storage) add(storageKey(item, input.by), item.hours, item.amount, one(item));
    const all = [...groups.values()];
    counted = {
      hours: count(all.map((g) => g.hours)),
      machines: count(all.map((g) => g.machines)),
      volumes: count(all.map((g) => g.volumes)),
      snapshots: count(all.map((g) => g.snapshots)),
    };
  }
  const rows: UsageRow[] = [...groups].map(([key, g]) => ({ key, ...g, cents: toCents(g.amount) }));
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
    total: {
      ...counted,
      amount: sum(rows.map((r) => r.amount)),
      cents: count(rows.map((r) => r.cents)),
    },
  };
}

function one(item: StorageMonth): Partial<UsageCounts> {
  return item.kind === "volume" ? { volumes: 1 } : { snapshots: 1 };
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
