import { describe, expect, it } from "vitest";
import { billableHours, meterIdentifier } from "../../src/core/billing/meter-identifier.ts";
import { costOfServer, serverTariff } from "../../src/core/billing/price.ts";
import { UserError } from "../../src/core/errors.ts";

const fsn1 = { hourly: "0.0071400000000000", monthly: "4.5101000000000000" };
const at = (iso: string) => new Date(iso);
const sum = (hours: { cents: number }[]) => hours.reduce((total, h) => total + h.cents, 0);

describe("meter identifiers", () => {
  it("names the resource and the hour, the same every time", () => {
    const start = at("2026-11-25T10:20:00Z");
    expect(meterIdentifier("ccc-ab12", start)).toBe("ccc:ccc-ab12:2026-11-25T10:20:00Z");
    expect(meterIdentifier("ccc-ab12", new Date(start.getTime()))).toBe(meterIdentifier("ccc-ab12", start));
    // A start stored without its milliseconds still names the same hour after a restart.
    expect(meterIdentifier("ccc-ab12", at("2026-11-25T10:20:00.789Z"))).toBe(
      meterIdentifier("ccc-ab12", start),
    );
  });

  it("stays within Stripe's 100 characters and takes only plain names", () => {
    const start = at("2026-11-25T10:20:00Z");
    expect(meterIdentifier("x".repeat(75), start)).toHaveLength(100);
    expect(() => meterIdentifier("x".repeat(76), start)).toThrow(/would be 101 characters/);
    for (const bad of ["", "a:b", "a b", "-a", "ä"])
      expect(() => meterIdentifier(bad, start), bad).toThrow(UserError);
  });
});

describe("billable hours", () => {
  it("splits a lifetime into started hours, each with its own identifier", () => {
    const hours = billableHours(
      "ccc-ab12",
      serverTariff(fsn1),
      at("2026-11-25T10:20:00Z"),
      at("2026-11-25T12:21:00Z"),
    );
    expect(hours.map((h) => [h.index, h.start.toISOString(), h.identifier])).toEqual([
      [0, "2026-11-25T10:20:00.000Z", "ccc:ccc-ab12:2026-11-25T10:20:00Z"],
      [1, "2026-11-25T11:20:00.000Z", "ccc:ccc-ab12:2026-11-25T11:20:00Z"],
      [2, "2026-11-25T12:20:00.000Z", "ccc:ccc-ab12:2026-11-25T12:20:00Z"],
    ]);
  });

  it("gives whole cents that add up exactly to the cost, short lives and long", () => {
    // From the 1st, so the lengths cross the monthly cap (hour 632) and the month's end (hour 720).
    const from = at("2026-11-01T10:20:00Z");
    const lengths = [...Array.from({ length: 120 }, (_, i) => i + 1), 631, 632, 633, 709, 710, 711, 900];
    for (const n of lengths) {
      const to = new Date(from.getTime() + n * 3_600_000 - 1);
      const hours = billableHours("ccc-ab12", serverTariff(fsn1), from, to);
      expect(hours).toHaveLength(n);
      expect(sum(hours), `${n} hours`).toBe(costOfServer(fsn1, from, to).cents);
    }
  });

  it("carries sub-cent remainders forward instead of rounding each hour", () => {
    // 0.714 cents an hour: rounding each hour alone would bill 1 cent an hour, 40 % too much.
    const hours = billableHours(
      "ccc-ab12",
      serverTariff(fsn1),
      at("2026-11-25T00:00:00Z"),
      at("2026-11-25T10:00:00Z"),
    );
    expect(hours.map((h) => h.cents)).toEqual([1, 0, 1, 1, 1, 0, 1, 1, 0, 1]);
    expect(sum(hours)).toBe(7);
  });

  it("never changes an hour already reported when the machine lives longer", () => {
    const from = at("2026-11-29T22:40:00Z");
    const early = billableHours("ccc-ab12", serverTariff(fsn1), from, at("2026-11-30T09:00:00Z"));
    const later = billableHours("ccc-ab12", serverTariff(fsn1), from, at("2026-12-03T09:00:00Z"));
    expect(later.slice(0, early.length)).toEqual(early);
  });

  it("bills nothing more in a capped month and starts again in the next one", () => {
    const from = at("2026-11-01T00:00:00Z");
    const hours = billableHours("pool-7", serverTariff(fsn1), from, at("2026-12-01T05:00:00Z"));
    const november = hours.filter((h) => h.month === "2026-11");
    const december = hours.filter((h) => h.month === "2026-12");

    expect(november).toHaveLength(720);
    expect(sum(november)).toBe(451);
    expect(november.slice(632).every((h) => h.cents === 0)).toBe(true);
    // November's rounding remainder (4.5101 € billed as 451 cents) carries into December.
    expect(december.map((h) => h.cents)).toEqual([1, 0, 1, 1, 1]);
    expect(sum(hours)).toBe(costOfServer(fsn1, from, at("2026-12-01T05:00:00Z")).cents);
  });
});
