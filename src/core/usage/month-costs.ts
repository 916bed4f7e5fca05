import type { Amount } from "../billing/money.ts";
import {
  costOfServer,
  hourStart,
  hoursInMonth,
  type ServerPrice,
  serverTariff,
  startedHours,
} from "../billing/price.ts";
import type { Store } from "../store/store.ts";
import type { Month } from "./month.ts";

/** One machine's share of a month: what it cost in it so far, at the price it was created with. */
export interface MachineMonth {
  instanceId: string;
  owner: string;
  serverType: string;
  location: string;
  hours: number;
  amount: Amount;
  /** Its billed span, for splitting by day. */
  from: Date;
  to: Date;
  price: Pick<ServerPrice, "hourly" | "monthly">;
}

/**
 * Every machine that cost something in `month` up to `now` (one person's when `owner`): closed ones
 * from the ledger's monthly figures, running ones worked out from their start to `now`.
 */
export function machineMonths(store: Store, month: Month, now: Date, owner?: string): MachineMonth[] {
  const result: MachineMonth[] = store.ledger.closedIn(month.key, owner).map((c) => ({
    ...c,
    from: c.startedAt,
    to: c.endedAt,
  }));
  for (const open of store.ledger.openEntries(owner)) {
    if (open.startedAt === null || open.startedAt >= month.end || now <= month.start) continue;
    const part = monthPart(open.price, open.startedAt, now, month);
    if (part.hours > 0) result.push({ ...open, ...part, from: open.startedAt, to: now });
  }
  return result;
}

/** What [from, to) costs within `month`: hours started in it, capped at its monthly price. */
export function monthPart(
  price: Pick<ServerPrice, "hourly" | "monthly">,
  from: Date,
  to: Date,
  month: Month,
): { hours: number; amount: Amount } {
  if (to <= from) return { hours: 0, amount: 0n };
  const found = costOfServer(price, from, to).months.find((m) => m.month === month.key);
  return found ? { hours: found.hours, amount: found.amount } : { hours: 0, amount: 0n };
}

/**
 * A machine's cost in `month` hour by hour, each hour's exact amount filed under the UTC day it
 * starts on: the first hours fill the month's cap, later ones cost nothing more.
 */
export function byDay(machine: MachineMonth, month: Month): Map<string, { hours: number; amount: Amount }> {
  const tariff = serverTariff(machine.price);
  const length = hoursInMonth(month.key);
  const days = new Map<string, { hours: number; amount: Amount }>();
  const hours = startedHours(machine.from, machine.to);
  let n = 0;
  for (let k = 0; k < hours; k++) {
    const start = hourStart(machine.from, k);
    if (start < month.start) continue;
    if (start >= month.end) break;
    const amount = tariff.monthCost(n + 1, length).amount - tariff.monthCost(n, length).amount;
    n += 1;
    const day = start.toISOString().slice(0, 10);
    const seen = days.get(day) ?? { hours: 0, amount: 0n };
    days.set(day, { hours: seen.hours + 1, amount: seen.amount + amount });
  }
  return days;
}
