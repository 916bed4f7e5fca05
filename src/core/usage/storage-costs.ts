import type { Amount } from "../billing/money.ts";
import { storageTariff, type Tariff } from "../billing/price.ts";
import type { StorageKind, Store } from "../store/store.ts";
import type { Month } from "./month.ts";
import { byDayAt, tariffPart } from "./month-costs.ts";

// How volumes and snapshots are costed. Hetzner bills them by the hour, capped at the monthly price
// per GB, but publishes only the per-GB-month price. We assume (as price.ts's storage tariff does)
// that an hour costs size × price ÷ the hours of the calendar month it starts in, and that every
// started hour counts whole, as for servers: a volume held a whole month costs exactly size ×
// price, one held 90 minutes costs two hours. A volume is held from when ccc recorded it made to
// when it was closed; a snapshot from when its save began (the image exists from then) to when it
// was deleted, at its image size. Each hour is filed under the UTC month it starts in.

/** One volume's or snapshot's share of a month, at the price stored when it was made. */
export interface StorageMonth {
  kind: StorageKind;
  id: string;
  owner: string;
  location: string;
  hours: number;
  amount: Amount;
  from: Date;
  /** The end of its billed span: when it was deleted, or `now`. */
  to: Date;
  tariff: Tariff;
}

/** Every volume and snapshot that cost something in `month` up to `now` (one person's when `owner`). */
export function storageMonths(store: Store, month: Month, now: Date, owner?: string): StorageMonth[] {
  if (now <= month.start) return [];
  const result: StorageMonth[] = [];
  for (const held of store.storageLedger.heldIn(month.start, month.end, owner)) {
    const to = held.to === null || held.to > now ? now : held.to;
    if (to <= held.from) continue;
    const tariff = storageTariff(held.pricePerGbMonth, decimalGb(held.sizeGb));
    const part = tariffPart(tariff, held.from, to, month);
    if (part.hours === 0) continue;
    result.push({
      kind: held.kind,
      id: held.id,
      owner: held.owner,
      location: held.location,
      ...part,
      from: held.from,
      to,
      tariff,
    });
  }
  return result;
}

/**
 * A snapshot's image size is Hetzner's float (0.1 + 0.2 comes out as 0.30000000000000004): kept to
 * 12 significant digits, far below a cent, so the exact money parser takes it.
 */
function decimalGb(size: number): string {
  return Number(size.toPrecision(12)).toFixed(12);
}

/** Its cost in `month` hour by hour, filed under the UTC day each hour starts on. */
export function storageByDay(
  item: StorageMonth,
  month: Month,
): Map<string, { hours: number; amount: Amount }> {
  return byDayAt(item.tariff, item, month);
}

/** What volumes and snapshots cost in `month` up to `now`, together. */
export function storageSpent(store: Store, month: Month, now: Date, owner?: string): Amount {
  return storageMonths(store, month, now, owner).reduce((sum, s) => sum + s.amount, 0n);
}
