import type { Store } from "../store/store.ts";
import type { Month } from "../usage/month.ts";

/** What hibernation saved in a period: machine-hours not run while asleep, at each machine's price. */
export interface HoursSaved {
  hours: number;
  /** Gross € (an estimate: whole hours are not rounded up as Hetzner bills them). */
  euros: number;
  /** Per owner, for the team view. */
  byOwner: Record<string, { hours: number; euros: number }>;
}

/**
 * Hours each machine slept within `month` up to `now`, never past the lifetime it had left (after that
 * it would have been deleted anyway), times its hourly price; one person's when `owner` is given.
 */
export function hoursSaved(store: Store, month: Month, now: Date, owner?: string): HoursSaved {
  const result: HoursSaved = { hours: 0, euros: 0, byOwner: {} };
  const to = new Date(Math.min(month.end.getTime(), now.getTime()));
  for (const sleep of store.hibernation.overlapping(month.start, to)) {
    if (owner !== undefined && sleep.owner !== owner) continue;
    const start = Math.max(sleep.sleptAt.getTime(), month.start.getTime());
    const end = Math.min(
      sleep.endedAt?.getTime() ?? now.getTime(),
      sleep.sleptAt.getTime() + sleep.remainingMs,
      to.getTime(),
    );
    if (end <= start) continue;
    const hours = (end - start) / 3_600_000;
    const euros = sleep.hourly === null ? 0 : hours * Number(sleep.hourly);
    result.hours += hours;
    result.euros += euros;
    const mine = result.byOwner[sleep.owner] ?? { hours: 0, euros: 0 };
    mine.hours += hours;
    mine.euros += euros;
    result.byOwner[sleep.owner] = mine;
  }
  return result;
}
