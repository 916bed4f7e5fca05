import type { Amount } from "../billing/money.ts";
import type { ServerPrice } from "../billing/price.ts";
import type { Store } from "../store/store.ts";
import { taskSpent } from "../tasks/task-cost.ts";
import { type Month, monthOf } from "../usage/month.ts";
import { monthPart } from "../usage/month-costs.ts";
import { storageSpent } from "../usage/storage-costs.ts";

/** What a request would add: a new machine for some hours, or more hours for a running one. */
export type BudgetChange =
  | { kind: "provision"; price: Pick<ServerPrice, "hourly" | "monthly">; hours: number }
  | { kind: "extend"; instanceId: string; hours: number };

/** Where a person (or everyone, without `owner`) stands this month, exactly. */
export interface Standing {
  month: Month;
  /** Cost of this month's hours so far. */
  spent: Amount;
  /** What running machines will still cost this month until their expiry. */
  committed: Amount;
  /** What the request adds this month (0 without one). */
  request: Amount;
}

const HOUR_MS = 3_600_000;

/**
 * Spent, committed and requested in `month` (this one by default): machines closed by now from the
 * ledger's monthly sums, running ones from their start to now (spent) and on to their expiry
 * (committed). Only that month's hours count: the part of a lifetime past the month's end falls on
 * the next one's budget, and is checked against it (see `monthsSpanned`).
 */
export function standing(
  store: Store,
  now: Date,
  owner?: string,
  change?: BudgetChange,
  month: Month = monthOf(now),
): Standing {
  // Volumes and snapshots held, and Claude Code's cost of tasks finished, count in what is spent so far.
  let spent =
    store.ledger.closedTotal(month.key, owner) +
    storageSpent(store, month, now, owner) +
    taskSpent(store, month, now, owner);
  let committed = 0n;
  let request = 0n;
  for (const open of store.ledger.openEntries(owner)) {
    const from = open.startedAt ?? open.createdAt;
    const sofar = open.startedAt ? monthPart(open.price, open.startedAt, now, month).amount : 0n;
    const until = new Date(Math.max(open.expiresAt.getTime(), now.getTime()));
    const planned = monthPart(open.price, from, until, month).amount;
    spent += sofar;
    committed += planned - sofar;
    if (change?.kind === "extend" && change.instanceId === open.instanceId) {
      const later = new Date(until.getTime() + change.hours * HOUR_MS);
      request = monthPart(open.price, from, later, month).amount - planned;
    }
  }
  if (change?.kind === "provision") {
    request = monthPart(change.price, now, new Date(now.getTime() + change.hours * HOUR_MS), month).amount;
  }
  return { month, spent, committed, request };
}

/**
 * The months a request's hours fall in, this one first: a request late on the month's last day
 * also spends from the next month's budget. `end` is when the asked-for hours run out.
 */
export function monthsSpanned(now: Date, end: Date): Month[] {
  const months = [monthOf(now)];
  for (;;) {
    const last = months[months.length - 1] as Month;
    if (end.getTime() <= last.end.getTime()) return months;
    months.push(monthOf(last.end));
  }
}

export function projected(s: Standing): Amount {
  return s.spent + s.committed + s.request;
}
