import { type Amount, toCents } from "../billing/money.ts";
import type { Store } from "../store/store.ts";
import type { Month } from "../usage/month.ts";
import { tariffPart } from "../usage/month-costs.ts";
import { storageMonths } from "../usage/storage-costs.ts";

/** What the hibernation snapshots cost in a period while their machines slept (gross, exact). */
export interface AsleepSnapshotCost {
  amount: Amount;
  /** Rounded to cents, as the usage rows are. */
  cents: number;
  /** Snapshot-hours billed. */
  hours: number;
  /** Per owner, for the team view. */
  byOwner: Record<string, { amount: Amount; cents: number; hours: number }>;
}

/**
 * The cost in `month` up to `now` of each hibernation snapshot, from when its save began (the image
 * exists from then) to its wake, its deletion or now, whichever is first; one person's when `owner`.
 * It is already inside the usage rows' snapshot spend: this says how much of that is sleep.
 */
export function asleepSnapshotCost(
  store: Store,
  month: Month,
  now: Date,
  owner?: string,
): AsleepSnapshotCost {
  const result: AsleepSnapshotCost = { amount: 0n, cents: 0, hours: 0, byOwner: {} };
  const to = new Date(Math.min(month.end.getTime(), now.getTime()));
  const sleeps = store.hibernation.overlapping(month.start, to);
  if (sleeps.length === 0) return result;
  for (const item of storageMonths(store, month, now, owner)) {
    if (item.kind !== "snapshot") continue;
    const mine = sleeps.filter(
      (s) =>
        `snapshot:${s.instanceId}` === item.id &&
        s.sleptAt <= item.to &&
        (s.endedAt === null || s.endedAt >= item.from),
    );
    if (mine.length === 0) continue;
    const ends = mine.map((s) => s.endedAt?.getTime() ?? item.to.getTime());
    const until = new Date(Math.min(item.to.getTime(), Math.max(...ends)));
    if (until <= item.from) continue;
    const part = tariffPart(item.tariff, item.from, until, month);
    result.amount += part.amount;
    result.hours += part.hours;
    const theirs = result.byOwner[item.owner] ?? { amount: 0n, cents: 0, hours: 0 };
    theirs.amount += part.amount;
    theirs.hours += part.hours;
    theirs.cents = toCents(theirs.amount);
    result.byOwner[item.owner] = theirs;
  }
  result.cents = toCents(result.amount);
  return result;
}
