import { UserError } from "../errors.ts";
import { monthOf as calendarMonthOf } from "../usage/month.ts";
import { type Amount, divideRounded, parseDecimal, parseEuros, toCents } from "./money.ts";

// How ccc prices what it runs, after Hetzner's rules:
// - A lifetime is cut into started hours counted from its start: hour k covers
//   [from + k h, from + (k+1) h). An hour that has started counts whole, so a machine deleted
//   61 minutes after its creation is two hours.
// - Each started hour belongs to the calendar month (UTC) in which it starts; an hour running
//   across midnight on the 1st belongs wholly to the month it started in.
// - Servers: each month is capped on its own. The hours of one month cost
//   min(hours × hourly, monthly); a machine living from 20 November to 10 December therefore costs
//   at most one monthly price for November plus one for December, never a single cap for both.
// - Volumes and snapshots: priced per GB and month, prorated by hour against the length of the
//   month the hour falls in (672 to 744 hours), so a whole month costs exactly size × price.
// All prices are gross (VAT included) euros, as Hetzner's decimal strings.

const HOUR_MS = 3_600_000;

/** A server type's gross price in one location, as Hetzner's decimal strings; kept with each cost record. */
export interface ServerPrice {
  location: string;
  hourly: string;
  monthly: string;
}

/** What some hours within one calendar month cost. */
export interface Tariff {
  /** The exact cost of `hours` started hours in a month that has `hoursInMonth` hours. */
  monthCost(hours: number, hoursInMonth: number): { amount: Amount; capped: boolean };
}

export interface MonthCost {
  /** `YYYY-MM`, UTC. */
  month: string;
  hours: number;
  amount: Amount;
  /** The month's cap applied: these hours would have cost more at the hourly price. */
  capped: boolean;
}

export interface Cost {
  hours: number;
  /** Exact total. */
  amount: Amount;
  /** The total rounded to cents, half up: what is billed. */
  cents: number;
  months: MonthCost[];
}

/** The server type's price in `location`; a clear refusal when Hetzner does not price it there. */
export function serverPriceIn(
  type: { name: string; prices: readonly ServerPrice[] },
  location: string,
): ServerPrice {
  const price = type.prices.find((p) => p.location === location);
  if (!price) {
    const where = type.prices.map((p) => p.location).join(", ") || "nowhere";
    throw new UserError(`${type.name} has no price in ${location} (priced in: ${where})`, {
      code: "no_price",
      field: "location",
    });
  }
  parseEuros(price.hourly);
  parseEuros(price.monthly);
  return { location: price.location, hourly: price.hourly, monthly: price.monthly };
}

/** Hourly price up to a monthly cap, per calendar month. */
export function serverTariff(price: Pick<ServerPrice, "hourly" | "monthly">): Tariff {
  const hourly = parseEuros(price.hourly);
  const monthly = parseEuros(price.monthly);
  return {
    monthCost(hours) {
      const uncapped = hourly * BigInt(hours);
      return uncapped > monthly ? { amount: monthly, capped: true } : { amount: uncapped, capped: false };
    },
  };
}

/** A per-GB-and-month price for `sizeGb` (a volume's size, a snapshot's image size), prorated by hour. */
export function storageTariff(pricePerGbMonth: string, sizeGb: number | string): Tariff {
  const price = parseEuros(pricePerGbMonth);
  const size = parseDecimal(typeof sizeGb === "number" ? String(sizeGb) : sizeGb, "size in GB");
  // price and size are both in 10^-16 units; their product is 10^-32 €.
  const sizeScale = 10n ** 16n;
  return {
    monthCost(hours, hoursInMonth) {
      const used = Math.min(hours, hoursInMonth);
      const amount = divideRounded(price * size * BigInt(used), sizeScale * BigInt(hoursInMonth));
      return { amount, capped: hours >= hoursInMonth };
    },
  };
}

/** Hours started in [from, to): zero for an empty span, one for any span up to an hour. */
export function startedHours(from: Date, to: Date): number {
  const span = to.getTime() - from.getTime();
  if (!Number.isFinite(span))
    throw new UserError("a billing span needs two valid times", { code: "invalid_span" });
  if (span < 0) {
    throw new UserError(
      `a billing span cannot end (${to.toISOString()}) before it starts (${from.toISOString()})`,
      {
        code: "invalid_span",
      },
    );
  }
  return Math.ceil(span / HOUR_MS);
}

/** When started hour `index` (from 0) of a lifetime beginning at `from` starts. */
export function hourStart(from: Date, index: number): Date {
  return new Date(from.getTime() + index * HOUR_MS);
}

/** `YYYY-MM` of a time, in UTC: the key of the one month type (`core/usage/month.ts`). */
export function monthOf(at: Date): string {
  return calendarMonthOf(at).key;
}

/** Hours in a `YYYY-MM` month: 672, 696, 720 or 744. */
export function hoursInMonth(month: string): number {
  const [year, monthNumber] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, monthNumber, 0)).getUTCDate() * 24;
}

/** What [from, to) costs under `tariff`, month by month. */
export function costOf(tariff: Tariff, from: Date, to: Date): Cost {
  const hours = startedHours(from, to);
  const counts = new Map<string, number>();
  for (let index = 0; index < hours; index++) {
    const month = monthOf(hourStart(from, index));
    counts.set(month, (counts.get(month) ?? 0) + 1);
  }
  const months = [...counts].map(([month, n]) => ({
    month,
    hours: n,
    ...tariff.monthCost(n, hoursInMonth(month)),
  }));
  const amount = months.reduce((sum, m) => sum + m.amount, 0n);
  return { hours, amount, cents: toCents(amount), months };
}

/** A server's cost from `from` to `to` at `price` (started hours, capped per calendar month). */
export function costOfServer(price: Pick<ServerPrice, "hourly" | "monthly">, from: Date, to: Date): Cost {
  return costOf(serverTariff(price), from, to);
}

/** A volume's or snapshot's cost from `from` to `to`: `sizeGb` at `pricePerGbMonth`, prorated by hour. */
export function costOfStorage(pricePerGbMonth: string, sizeGb: number | string, from: Date, to: Date): Cost {
  return costOf(storageTariff(pricePerGbMonth, sizeGb), from, to);
}
