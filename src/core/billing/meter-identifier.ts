import { UserError } from "../errors.ts";
import { toCents } from "./money.ts";
import { hourStart, hoursInMonth, startedHours, type Tariff } from "./price.ts";

/** Stripe refuses longer meter event identifiers. */
export const MAX_IDENTIFIER_LENGTH = 100;

/** One started hour of a resource's life, as reported to Stripe. */
export interface BillableHour {
  /** 0 for the first hour. */
  index: number;
  start: Date;
  /** `YYYY-MM` (UTC) the hour is billed in. */
  month: string;
  /** Whole cents for this hour; may be 0 when the hourly price is below a cent or the month is capped. */
  cents: number;
  /** The meter event's `identifier`: the same hour always gets the same one. */
  identifier: string;
}

/**
 * `ccc:<resource>:<hour start, ISO 8601 to the second>`, e.g. `ccc:ccc-ab12:2026-11-25T10:20:00Z`.
 * Stripe keeps identifiers unique for at least 24 hours, so a retry or a restart that reports the
 * same hour again is refused instead of billed twice. Milliseconds are left out so that a start
 * time stored with less precision still yields the same identifier after a restart.
 */
export function meterIdentifier(resource: string, start: Date): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(resource)) {
    throw new UserError(
      `a billed resource needs a name of letters, digits, '.', '_' or '-', got ${JSON.stringify(resource)}`,
      { code: "invalid_resource" },
    );
  }
  if (Number.isNaN(start.getTime()))
    throw new UserError("an hour start must be a valid time", { code: "invalid_span" });
  const identifier = `ccc:${resource}:${isoSeconds(start)}`;
  if (identifier.length > MAX_IDENTIFIER_LENGTH) {
    throw new UserError(
      `the meter identifier for ${resource} would be ${identifier.length} characters; Stripe takes at most ${MAX_IDENTIFIER_LENGTH}`,
      { code: "invalid_resource" },
    );
  }
  return identifier;
}

/**
 * The started hours of [from, to) with whole cents each, adding up exactly to the span's cost
 * in cents. Hour k gets round(cost of hours 0..k) − round(cost of hours 0..k−1): the rounding
 * remainder is carried forward instead of lost, and an hour's cents depend only on the hours
 * before it — so a machine reported hour by hour while it runs gets the very same figures as
 * one split after it is gone, and a later hour never changes an earlier one.
 */
export function billableHours(resource: string, tariff: Tariff, from: Date, to: Date): BillableHour[] {
  const hours = startedHours(from, to);
  // Checks the name once: every hour's identifier has the same length.
  if (hours > 0) meterIdentifier(resource, from);
  const perMonth = new Map<string, { hours: number; length: number }>();
  const result: BillableHour[] = [];
  let cumulative = 0n;
  let billedCents = 0;
  for (let index = 0; index < hours; index++) {
    const start = hourStart(from, index);
    const month = start.toISOString().slice(0, 7);
    let seen = perMonth.get(month);
    if (!seen) {
      seen = { hours: 0, length: hoursInMonth(month) };
      perMonth.set(month, seen);
    }
    cumulative +=
      tariff.monthCost(seen.hours + 1, seen.length).amount - tariff.monthCost(seen.hours, seen.length).amount;
    seen.hours += 1;
    const cents = toCents(cumulative) - billedCents;
    billedCents += cents;
    result.push({ index, start, month, cents, identifier: `ccc:${resource}:${isoSeconds(start)}` });
  }
  return result;
}

function isoSeconds(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}
