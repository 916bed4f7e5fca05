import { UserError } from "../core/errors.ts";

// Every way ccc words a moment or a time left, in one place: the CLI speaks its reader's zone (TZ, or
// UTC with --utc) and "3 h 12 min left"; Slack shows each reader's own time (see `dateToken`) and
// "in 3 hours"; the API speaks ISO 8601 in UTC.

// The zone moments are shown in: UTC for every door but the terminal, whose run sets the reader's
// own (TZ, or --utc) for the length of one command and puts UTC back after it (see `showTimesIn`).
let shownZone: string | undefined;

/**
 * Shows moments in `zone` (an IANA name such as `Europe/Berlin`) until called again; undefined is
 * UTC. The CLI calls it around one command; a bad zone is refused with the reason.
 */
export function showTimesIn(zone: string | undefined): void {
  shownZone = zone === undefined ? undefined : checkTimeZone(zone);
  if (shownZone === "UTC" || shownZone === "Etc/UTC") shownZone = undefined;
}

/** `zone` when this Node knows it as a time zone; a UserError naming the way out otherwise. */
export function checkTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone;
  } catch {
    throw new UserError(
      `TZ=${zone.slice(0, 60)} is not a time zone: use a name like Europe/Berlin, or --utc.`,
      {
        field: "TZ",
      },
    );
  }
}

/** `2026-11-25 14:00 UTC`, or in the terminal's zone with its abbreviation: `2026-11-25 15:00 CET`. */
export function formatTime(d: Date): string {
  if (!shownZone) return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: shownZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(d);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")} ${zoneAbbreviation(d, shownZone)}`;
}

/** The same as `formatTime`: the name from when the terminal only spoke UTC. */
export const formatUtc = formatTime;

/** "CET", "EST", "UTC"; Intl's "GMT+1" where neither English locale knows a short name. */
function zoneAbbreviation(d: Date, zone: string): string {
  const name = (locale: string) =>
    new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: "short" })
      .formatToParts(d)
      .find((p) => p.type === "timeZoneName")?.value ?? zone;
  const us = name("en-US");
  return us.startsWith("GMT") ? name("en-GB") : us;
}

/** "3 h 12 min", "45 min", "under a minute" or "expired". */
export function formatTimeLeft(expiresAt: Date, now: Date): string {
  const ms = expiresAt.getTime() - now.getTime();
  if (ms <= 0) return "expired";
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return "under a minute";
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** "3 h 12 min left" or "expired". */
export function leftPhrase(expiresAt: Date, now: Date): string {
  const left = formatTimeLeft(expiresAt, now);
  return left === "expired" ? left : `${left} left`;
}

/** "in 3 hours", "in 45 minutes", "in under a minute" or "now". */
export function inTime(at: Date, now: Date): string {
  const minutes = Math.floor((at.getTime() - now.getTime()) / 60_000);
  if (at.getTime() <= now.getTime()) return "now";
  if (minutes < 1) return "in under a minute";
  if (minutes < 120) return `in ${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round(minutes / 6) / 10;
  return `in ${hours} hours`;
}
