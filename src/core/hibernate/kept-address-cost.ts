import { type Amount, parseDecimal, toCents } from "../billing/money.ts";
import type { Store } from "../store/store.ts";
import type { Month } from "../usage/month.ts";

/** What the addresses kept for sleeping machines cost in a period (gross, exact). */
export interface KeptAddressCost {
  amount: Amount;
  /** Rounded to cents. */
  cents: number;
  /** Hours kept (per machine, IPv4 and IPv6 together). */
  hours: number;
  /** Per owner, for the team view. */
  byOwner: Record<string, { amount: Amount; cents: number; hours: number }>;
}

const HOUR_MS = 3_600_000;

/**
 * The cost in `month` up to `now` of each machine's kept Primary IPs, from when the hibernation kept
 * them to the wake that put them on a server again (or their deletion, or now), at the hourly price
 * Hetzner's price list gave when they were kept; one person's when `owner`. Unlike the snapshots',
 * this is not in the usage rows: the ledger bills servers, volumes and snapshots, not addresses.
 */
export function keptAddressCost(store: Store, month: Month, now: Date, owner?: string): KeptAddressCost {
  const result: KeptAddressCost = { amount: 0n, cents: 0, hours: 0, byOwner: {} };
  const to = Math.min(month.end.getTime(), now.getTime());
  for (const kept of store.keptAddresses.overlapping(month.start, new Date(to))) {
    if (owner !== undefined && kept.owner !== owner) continue;
    const start = Math.max(kept.keptAt.getTime(), month.start.getTime());
    const end = Math.min(kept.releasedAt?.getTime() ?? to, to);
    if (end <= start || kept.hourly === null) continue;
    const ms = end - start;
    const amount = (parseDecimal(kept.hourly) * BigInt(ms)) / BigInt(HOUR_MS);
    const hours = Math.round((ms / HOUR_MS) * 10) / 10;
    result.amount += amount;
    result.hours = Math.round((result.hours + hours) * 10) / 10;
    const theirs = result.byOwner[kept.owner] ?? { amount: 0n, cents: 0, hours: 0 };
    theirs.amount += amount;
    theirs.hours = Math.round((theirs.hours + hours) * 10) / 10;
    theirs.cents = toCents(theirs.amount);
    result.byOwner[kept.owner] = theirs;
  }
  result.cents = toCents(result.amount);
  return result;
}
