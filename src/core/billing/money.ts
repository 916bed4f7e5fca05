import { UserError } from "../errors.ts";

// Hetzner sends prices as decimal strings with up to 16 places ("0.0071400000000000"). Floats drift
// once such a price is multiplied by hundreds of hours and summed, and a bill must add up to the
// cent, so amounts are kept as integers of 10^-16 € — the finest step Hetzner's strings use — and
// rounded to cents only where a person or Stripe sees them.

/** An exact amount of euros, as an integer number of 10^-16 €. */
export type Amount = bigint;

/** Decimal places an `Amount` keeps. */
export const AMOUNT_DECIMALS = 16;
const SCALE = 10n ** BigInt(AMOUNT_DECIMALS);
const UNITS_PER_CENT = SCALE / 100n;

/**
 * A non-negative decimal string ("3.5700", "0.0071400000000000", "12") as an integer of 10^-16 units,
 * exactly. Digits past the 16th place must be zeros: anything finer could not be kept exactly.
 */
export function parseDecimal(text: string, what = "amount"): bigint {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) {
    throw new UserError(`${what} must be a plain decimal number like 3.57, got ${JSON.stringify(text)}`, {
      code: "invalid_amount",
    });
  }
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  const kept = fraction.slice(0, AMOUNT_DECIMALS);
  if (/[^0]/.test(fraction.slice(AMOUNT_DECIMALS))) {
    throw new UserError(`${what} ${text} has more than ${AMOUNT_DECIMALS} decimal places`, {
      code: "invalid_amount",
    });
  }
  return BigInt(whole) * SCALE + BigInt(kept.padEnd(AMOUNT_DECIMALS, "0"));
}

/** A Hetzner price string in euros ("0.0071400000000000"), exactly. */
export function parseEuros(text: string): Amount {
  return parseDecimal(text, "price");
}

/** Rounds to whole cents, half away from zero (a computed half cent is charged, not dropped). */
export function toCents(amount: Amount): number {
  const negative = amount < 0n;
  const magnitude = negative ? -amount : amount;
  const cents = (magnitude + UNITS_PER_CENT / 2n) / UNITS_PER_CENT;
  return Number(negative ? -cents : cents);
}

/** `numerator / denominator` rounded half up to a whole unit; both non-negative. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/** Cents for people: `€12.40`, `€1,234.00`, `-€0.05`. */
export function formatEuros(cents: number): string {
  assertCents(cents);
  const sign = cents < 0 ? "-" : "";
  const magnitude = Math.abs(cents);
  const euros = Math.floor(magnitude / 100).toLocaleString("en-US");
  return `${sign}€${euros}.${String(magnitude % 100).padStart(2, "0")}`;
}

/**
 * An exact amount for people, with as many places as it needs (at least two): a stored hourly
 * price reads `€0.00714`, a monthly one `€3.57`.
 */
export function formatEuroAmount(amount: Amount): string {
  const sign = amount < 0n ? "-" : "";
  const magnitude = amount < 0n ? -amount : amount;
  const whole = (magnitude / SCALE).toLocaleString("en-US");
  const fraction = (magnitude % SCALE).toString().padStart(AMOUNT_DECIMALS, "0").replace(/0+$/, "");
  return `${sign}€${whole}.${fraction.padEnd(2, "0")}`;
}

/**
 * Cents for a CSV cell: `12.40`, `-0.05`. A dot, no currency sign, no grouping, so every
 * spreadsheet reads it as a number; it never holds a comma or quote, and being a bare number it
 * cannot be taken for a formula.
 */
export function csvEuros(cents: number): string {
  assertCents(cents);
  const sign = cents < 0 ? "-" : "";
  const magnitude = Math.abs(cents);
  return `${sign}${Math.floor(magnitude / 100)}.${String(magnitude % 100).padStart(2, "0")}`;
}

function assertCents(cents: number): void {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`cents must be a whole number, got ${cents}`);
}

/**
 * How money leaves ccc as JSON, everywhere (CLI `--json`, HTTP API): euros as a decimal string with a
 * fixed number of places, plus the currency. Prices per hour keep 6 places (Hetzner's net prices have
 * 4, and 19 % VAT adds 2 more, so a gross hourly price fits exactly); every other amount — totals,
 * monthly prices, budgets — is in cents, 2 places. See docs/api.md.
 */
export interface MoneyJson {
  amount: string;
  currency: "EUR";
}

/** `rate`: € per hour, 6 places; `total`: any other amount, 2 places. */
export type MoneyKind = "rate" | "total";

export const MONEY_PLACES: Readonly<Record<MoneyKind, number>> = { rate: 6, total: 2 };

/** An exact amount as fixed-place decimal text ("0.007140", "12.40"), rounded half away from zero. */
export function fixedDecimal(amount: Amount, places: number): string {
  const negative = amount < 0n;
  const magnitude = negative ? -amount : amount;
  const step = 10n ** BigInt(AMOUNT_DECIMALS - places);
  const units = (magnitude + step / 2n) / step;
  const scale = 10n ** BigInt(places);
  const whole = (units / scale).toString();
  const fraction = (units % scale).toString().padStart(places, "0");
  return `${negative && units !== 0n ? "-" : ""}${whole}${places > 0 ? `.${fraction}` : ""}`;
}

/** An exact amount as ccc's one JSON money shape. */
export function moneyJson(amount: Amount, kind: MoneyKind = "total"): MoneyJson {
  return { amount: fixedDecimal(amount, MONEY_PLACES[kind]), currency: "EUR" };
}

/** Whole cents as ccc's JSON money shape ("12.40"). */
export function centsJson(cents: number): MoneyJson {
  assertCents(cents);
  return moneyJson(BigInt(cents) * UNITS_PER_CENT, "total");
}

/** A decimal string in euros (a Hetzner price, "0.0071400000000000") as ccc's JSON money shape. */
export function decimalJson(text: string, kind: MoneyKind): MoneyJson {
  return moneyJson(parseDecimal(text), kind);
}

/** Euros held as a float (an estimate: a snapshot's GB × price) as ccc's JSON money shape. */
export function eurosJson(euros: number, kind: MoneyKind = "total"): MoneyJson {
  if (!Number.isFinite(euros)) throw new RangeError(`euros must be finite, got ${euros}`);
  const negative = euros < 0;
  const out = moneyJson(parseDecimal(Math.abs(euros).toFixed(AMOUNT_DECIMALS - 4)), kind);
  return negative && /[1-9]/.test(out.amount) ? { ...out, amount: `-${out.amount}` } : out;
}
