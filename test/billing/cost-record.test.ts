import { describe, expect, it } from "vitest";
import {
  billableHoursOf,
  costOfRecord,
  serverCostRecord,
  storageCostRecord,
} from "../../src/core/billing/cost-record.ts";
import { UserError } from "../../src/core/errors.ts";

const at = (iso: string) => new Date(iso);
const catalog = () => ({
  name: "cx23",
  prices: [{ location: "fsn1", hourly: "0.0071400000000000", monthly: "4.5101000000000000" }],
});

describe("cost records", () => {
  it("keep the price they were made with: a later price change never rewrites history", () => {
    const type = catalog();
    const record = serverCostRecord({
      resource: "ccc-ab12",
      type,
      location: "fsn1",
      from: at("2026-11-25T10:00:00Z"),
    });
    const ended = { ...record, to: at("2026-11-25T20:00:00Z") };
    const before = costOfRecord(ended, at("2026-11-26T00:00:00Z"));

    // Hetzner raises the price; the catalog object the record was made from changes too.
    const price = type.prices[0];
    if (!price) throw new Error("catalog has no price");
    price.hourly = "0.0095200000000000";
    price.monthly = "5.9381000000000000";
    const newer = serverCostRecord({
      resource: "ccc-cd34",
      type,
      location: "fsn1",
      from: at("2026-11-25T10:00:00Z"),
    });

    expect(record.price).toEqual({
      location: "fsn1",
      hourly: "0.0071400000000000",
      monthly: "4.5101000000000000",
    });
    expect(costOfRecord(ended, at("2026-11-26T00:00:00Z"))).toEqual(before);
    expect(before.cents).toBe(7);
    expect(costOfRecord({ ...newer, to: ended.to }, at("2026-11-26T00:00:00Z")).cents).toBe(10);
  });

  it("cost up to now while running, up to their end once ended", () => {
    const record = serverCostRecord({
      resource: "ccc-ab12",
      type: catalog(),
      location: "fsn1",
      from: at("2026-11-25T10:00:00Z"),
    });
    expect(costOfRecord(record, at("2026-11-25T12:30:00Z")).hours).toBe(3);
    expect(billableHoursOf(record, at("2026-11-25T12:30:00Z")).map((h) => h.identifier)).toEqual([
      "ccc:ccc-ab12:2026-11-25T10:00:00Z",
      "ccc:ccc-ab12:2026-11-25T11:00:00Z",
      "ccc:ccc-ab12:2026-11-25T12:00:00Z",
    ]);
    const ended = { ...record, to: at("2026-11-25T11:00:00Z") };
    expect(costOfRecord(ended, at("2026-12-25T00:00:00Z")).hours).toBe(1);
  });

  it("keep a snapshot's fractional size exactly and refuse what cannot be priced", () => {
    const snapshot = storageCostRecord({
      kind: "snapshot",
      resource: "snap-42",
      pricePerGbMonth: "0.0119000000000000",
      sizeGb: 2.25,
      from: at("2026-11-01T00:00:00Z"),
    });
    expect(snapshot.sizeGb).toBe("2.25");
    expect(
      costOfRecord({ ...snapshot, to: at("2026-12-01T00:00:00Z") }, at("2026-12-01T00:00:00Z")).cents,
    ).toBe(3);

    const bad = { kind: "volume" as const, resource: "vol-1", from: at("2026-11-01T00:00:00Z") };
    expect(() => storageCostRecord({ ...bad, pricePerGbMonth: "0,0440", sizeGb: 10 })).toThrow(UserError);
    expect(() => storageCostRecord({ ...bad, pricePerGbMonth: "0.0440", sizeGb: -1 })).toThrow(/size in GB/);
    expect(() =>
      serverCostRecord({
        resource: "ccc-ab12",
        type: catalog(),
        location: "ash",
        from: at("2026-11-01T00:00:00Z"),
      }),
    ).toThrow("cx23 has no price in ash (priced in: fsn1)");
  });
});
