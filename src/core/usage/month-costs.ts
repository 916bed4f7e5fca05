import type { Amount } from "../billing/money.ts";
import { hoursInMonth, type ServerPrice, serverTariff, startedHours, type Tariff } from "../billing/price.ts";
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
  const closed: MachineMonth[] = store.ledger.closedIn(month.key, owner).map((c) => ({
    ...c,
    from: c.startedAt,
    to: c.endedAt,
  }));
  return [...closed, ...runningMonths(store, month, now, owner)];
}

/** Machines still running (or not made yet) that have started hours in `month` by `now`. */
export function runningMonths(store: Store, month: Month, now: Date, owner?: string): MachineMonth[] {
  const result: MachineMonth[] = [];
  for (const open of store.ledger.openEntries(owner)) {
    if (open.startedAt === null || open.startedAt >= month.end || now <= month.start) continue;
    const part = monthPart(open.price, open.startedAt, now, month);
    if (part.hours > 0) result.push({ ...open, ...part, from: open.startedAt, to: now });
  }
  return result;
}

/**
 * What [from, to) costs within `month`: the hours started in it, capped at its monthly price.
 * Worked out without walking the hours, since the budget check does this for every running machine.
 */
export function monthPart(
  price: Pick<ServerPrice, "hourly" | "monthly">,
  from: Date,
  to: Date,
  month: Month,
): { hours: number; amount: Amount } {
  return tariffPart(tariffOf(price), from, to, month);
}

/** `monthPart` under any tariff (a volume's or snapshot's per-GB-month price too). */
export function tariffPart(
  tariff: Tariff,
  from: Date,
  to: Date,
  month: Month,
): { hours: number; amount: Amount } {
  const started = startedHours(from, to);
  const first = Math.max(0, Math.ceil((month.start.getTime() - from.getTime()) / HOUR_MS));
  const last = Math.min(started - 1, Math.ceil((month.end.getTime() - from.getTime()) / HOUR_MS) - 1);
  const hours = Math.max(0, last - first + 1);
  if (hours === 0) return { hours: 0, amount: 0n };
  return { hours, amount: tariff.monthCost(hours, hoursInMonth(month.key)).amount };
}

/**
 * A machine's cost in `month` hour by hour, each hour's exact amount filed under the UTC day it
 * starts on: the first hours fill the month's cap, later ones cost nothing more.
 */
export function byDay(machine: MachineMonth, month: Month): Map<string, { hours: number; amount: Amount }> {
  return byDayAt(tariffOf(machine.price), machine, month);
}

/** `byDay` for any span under any tariff (a volume's or snapshot's too). */
export function byDayAt(
  tariff: Tariff,
  span: { from: Date; to: Date },
  month: Month,
): Map<string, { hours: number; amount: Amount }> {
  const length = hoursInMonth(month.key);
  const days = new Map<string, { hours: number; amount: Amount }>();
  const from = span.from.getTime();
  const hours = startedHours(span.from, span.to);
  const [monthStart, monthEnd] = [month.start.getTime(), month.end.getTime()];
  // Hours are counted per day and priced once per day: the cap makes an hour's price depend only
  // on how many came before it in the month.
  let n = 0;
  let previous = 0n;
  let dayKey = Number.NaN;
  let dayHours = 0;
  const close = () => {
    if (dayHours === 0) return;
    const cumulative = tariff.monthCost(n, length).amount;
    const name = dayName(dayKey);
    const entry = days.get(name) ?? { hours: 0, amount: 0n };
    entry.hours += dayHours;
    entry.amount += cumulative - previous;
    days.set(name, entry);
    previous = cumulative;
    dayHours = 0;
  };
  for (let k = 0; k < hours; k++) {
    const start = from + k * HOUR_MS;
    if (start < monthStart) continue;
    if (start >= monthEnd) break;
    const key = Math.floor(start / DAY_MS);
    if (key !== dayKey) {
      close();
      dayKey = key;
    }
    n += 1;
    dayHours += 1;
  }
  close();
  return days;
}

const dayNames = new Map<number, string>();

function dayName(key: number): string {
  let name = dayNames.get(key);
  if (name === undefined) {
    if (dayNames.size > 5000) dayNames.clear();
    name = new Date(key * DAY_MS).toISOString().slice(0, 10);
    dayNames.set(key, name);
  }
  return name;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const tariffs = new Map<string, Tariff>();

/** Prices repeat across thousands of machines: each pair is parsed once. */
function tariffOf(price: Pick<ServerPrice, "hourly" | "monthly">): Tariff {
  const key = `${price.hourly}|${price.monthly}`;
  let tariff = tariffs.get(key);
  if (!tariff) {
    if (tariffs.size > 1000) tariffs.clear();
    tariff = serverTariff(price);
    tariffs.set(key, tariff);
  }
  return tariff;
}
