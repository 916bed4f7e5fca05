import { UserError } from "../errors.ts";

/** A calendar month in UTC, `YYYY-MM`, with its first instant and the first instant after it. */
export interface Month {
  key: string;
  start: Date;
  end: Date;
}

const NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** The month (UTC) that `at` falls in. */
export function monthOf(at: Date): Month {
  return monthFrom(at.getUTCFullYear(), at.getUTCMonth());
}

/** The first year ccc answers for: nothing it billed can be older. */
const FIRST_YEAR = 2000;

/** `YYYY-MM` as typed, from the year 2000 on; anything else is refused on the `month` field. */
export function parseMonth(text: string): Month {
  const match = /^(\d{4})-(\d{2})$/.exec(text.trim());
  const month = Number(match?.[2]);
  const year = Number(match?.[1]);
  if (!match || month < 1 || month > 12) {
    throw new UserError(`A month looks like 2026-11 (got "${text.trim().slice(0, 20)}").`, {
      field: "month",
    });
  }
  if (year < FIRST_YEAR) {
    throw new UserError(`A month from ${FIRST_YEAR} on, like 2026-11 (got "${text.trim()}").`, {
      field: "month",
    });
  }
  return monthFrom(year, month - 1);
}

/** The month before. */
export function previousMonth(month: Month): Month {
  return monthOf(new Date(month.start.getTime() - 1));
}

/** "November", or "November 2025" when it is not the year of `now`. */
export function monthName(month: Month, now?: Date): string {
  const name = NAMES[month.start.getUTCMonth()] as string;
  const year = month.start.getUTCFullYear();
  return now === undefined || now.getUTCFullYear() === year ? name : `${name} ${year}`;
}

function monthFrom(year: number, monthIndex: number): Month {
  // Date.UTC takes years 0–99 for 1900–1999; setUTCFullYear takes every year as written.
  const at = (index: number) => new Date(new Date(0).setUTCFullYear(year, index, 1));
  const start = at(monthIndex);
  const end = at(monthIndex + 1);
  return { key: start.toISOString().slice(0, 7), start, end };
}
