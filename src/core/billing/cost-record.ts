import { type BillableHour, billableHours } from "./meter-identifier.ts";
import { parseDecimal, parseEuros } from "./money.ts";
import {
  type Cost,
  costOf,
  type ServerPrice,
  serverPriceIn,
  serverTariff,
  storageTariff,
  type Tariff,
} from "./price.ts";

// A cost record carries the price it was created with, copied out of Hetzner's answer at that
// time. Its cost is worked out from that copy only, so a price Hetzner changes later never
// rewrites what an earlier machine cost.

export interface ServerCostRecord {
  kind: "server";
  /** The instance (or pool machine) name; it names the meter events too. */
  resource: string;
  serverType: string;
  price: ServerPrice;
  from: Date;
  /** When it was deleted; null while it lives. */
  to: Date | null;
}

export interface StorageCostRecord {
  kind: "volume" | "snapshot";
  resource: string;
  /** Gross € per GB and month, as Hetzner's decimal string. */
  pricePerGbMonth: string;
  /** GB, as a decimal string (a snapshot's image size is fractional). */
  sizeGb: string;
  from: Date;
  to: Date | null;
}

export type CostRecord = ServerCostRecord | StorageCostRecord;

/** A record for a server created at `from`, with the type's price in `location` as it is now. */
export function serverCostRecord(input: {
  resource: string;
  type: { name: string; prices: readonly ServerPrice[] };
  location: string;
  from: Date;
}): ServerCostRecord {
  return {
    kind: "server",
    resource: input.resource,
    serverType: input.type.name,
    price: serverPriceIn(input.type, input.location),
    from: input.from,
    to: null,
  };
}

/** A record for a volume or snapshot of `sizeGb` at Hetzner's current per-GB-month price. */
export function storageCostRecord(input: {
  kind: "volume" | "snapshot";
  resource: string;
  pricePerGbMonth: string;
  sizeGb: number | string;
  from: Date;
}): StorageCostRecord {
  parseEuros(input.pricePerGbMonth);
  const sizeGb = typeof input.sizeGb === "number" ? String(input.sizeGb) : input.sizeGb;
  parseDecimal(sizeGb, "size in GB");
  return { ...input, sizeGb, to: null };
}

/** The tariff a record was created with. */
export function recordTariff(record: CostRecord): Tariff {
  return record.kind === "server"
    ? serverTariff(record.price)
    : storageTariff(record.pricePerGbMonth, record.sizeGb);
}

/** What the record has cost: up to its end, or up to `now` while it is still running. */
export function costOfRecord(record: CostRecord, now: Date): Cost {
  return costOf(recordTariff(record), record.from, record.to ?? now);
}

/** The record's started hours so far with their cents and meter identifiers. */
export function billableHoursOf(record: CostRecord, now: Date): BillableHour[] {
  return billableHours(record.resource, recordTariff(record), record.from, record.to ?? now);
}
