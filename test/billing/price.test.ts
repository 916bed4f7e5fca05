import { describe, expect, it } from "vitest";
import { parseEuros, toCents } from "../../src/core/billing/money.ts";
import {
  costOfServer,
  costOfStorage,
  hoursInMonth,
  serverPriceIn,
  startedHours,
} from "../../src/core/billing/price.ts";
import { UserError } from "../../src/core/errors.ts";

// Hetzner's gross strings look like this (net 0.0060 and 3.7900 at 19 % VAT).
const cx23 = {
  name: "cx23",
  prices: [
    { location: "fsn1", hourly: "0.0071400000000000", monthly: "4.5101000000000000" },
    { location: "hel1", hourly: "0.0075300000000000", monthly: "4.7565000000000000" },
  ],
};
const fsn1 = { hourly: "0.0071400000000000", monthly: "4.5101000000000000" };
const at = (iso: string) => new Date(iso);

describe("prices", () => {
  it("parses Hetzner's decimal strings exactly, where floats drift", () => {
    const hourly = parseEuros(fsn1.hourly);
    expect(hourly * 1000n).toBe(parseEuros("7.14"));
    let float = 0;
    for (let hour = 0; hour < 1000; hour++) float += 0.00714;
    expect(float).not.toBe(7.14);
    expect(parseEuros("12")).toBe(parseEuros("12.0000000000000000000"));
  });

  it("refuses what is not a plain decimal, or finer than it can keep", () => {
    for (const bad of ["", "abc", "1e-3", "-1.00", " 1.00", "1,00", "0.00000000000000001"]) {
      expect(() => parseEuros(bad), bad).toThrow(UserError);
    }
    expect(() => parseEuros("1e-3")).toThrow(/plain decimal number like 3.57, got "1e-3"/);
  });

  it("picks the server type's price for the location, and says where it is priced when it is not", () => {
    expect(serverPriceIn(cx23, "hel1")).toEqual({
      location: "hel1",
      hourly: "0.0075300000000000",
      monthly: "4.7565000000000000",
    });
    expect(() => serverPriceIn(cx23, "ash")).toThrow("cx23 has no price in ash (priced in: fsn1, hel1)");
  });

  it("counts every started hour whole: a machine deleted mid-hour pays for that hour", () => {
    expect(startedHours(at("2026-11-25T10:00:00Z"), at("2026-11-25T10:00:00Z"))).toBe(0);
    expect(startedHours(at("2026-11-25T10:00:00Z"), at("2026-11-25T10:00:00.001Z"))).toBe(1);
    expect(startedHours(at("2026-11-25T10:00:00Z"), at("2026-11-25T11:00:00Z"))).toBe(1);

    const cost = costOfServer(fsn1, at("2026-11-25T10:20:00Z"), at("2026-11-25T11:21:00Z"));

    expect(cost.hours).toBe(2);
    expect(cost.amount).toBe(parseEuros("0.01428"));
    expect(cost.cents).toBe(1);
  });

  it("refuses a span that ends before it starts", () => {
    expect(() => costOfServer(fsn1, at("2026-11-25T10:00:00Z"), at("2026-11-25T09:00:00Z"))).toThrow(
      "a billing span cannot end (2026-11-25T09:00:00.000Z) before it starts (2026-11-25T10:00:00.000Z)",
    );
  });

  it("caps a month at the monthly price", () => {
    // 4.5101 / 0.00714 = 631.6…: the 632nd hour of a month would cross the cap.
    const under = costOfServer(fsn1, at("2026-11-01T00:00:00Z"), at("2026-11-27T07:00:00Z"));
    const over = costOfServer(fsn1, at("2026-11-01T00:00:00Z"), at("2026-11-27T08:00:00Z"));
    const whole = costOfServer(fsn1, at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"));

    expect(under.hours).toBe(631);
    expect(under.amount).toBe(parseEuros("4.50534"));
    expect(under.months[0]?.capped).toBe(false);
    expect(over.amount).toBe(parseEuros("4.5101"));
    expect(over.months[0]?.capped).toBe(true);
    expect(whole).toMatchObject({ hours: 720, amount: parseEuros("4.5101"), cents: 451 });
  });

  it("caps each calendar month on its own across a month boundary", () => {
    const cost = costOfServer(fsn1, at("2026-11-20T00:00:00Z"), at("2026-12-10T00:00:00Z"));
    expect(cost.months).toEqual([
      { month: "2026-11", hours: 264, amount: parseEuros("1.88496"), capped: false },
      { month: "2026-12", hours: 216, amount: parseEuros("1.54224"), capped: false },
    ]);
    expect(cost.cents).toBe(343);

    // Two whole months cost two monthly prices, even though 1464 hours fit under neither cap alone.
    const twoMonths = costOfServer(fsn1, at("2026-11-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
    expect(twoMonths.months.map((m) => [m.month, m.hours, m.capped])).toEqual([
      ["2026-11", 720, true],
      ["2026-12", 744, true],
    ]);
    expect(twoMonths.amount).toBe(2n * parseEuros(fsn1.monthly));
  });

  it("bills an hour that runs past midnight on the 1st to the month it started in", () => {
    const one = costOfServer(fsn1, at("2026-11-30T23:30:00Z"), at("2026-12-01T00:10:00Z"));
    expect(one.months).toEqual([
      { month: "2026-11", hours: 1, amount: parseEuros(fsn1.hourly), capped: false },
    ]);

    const two = costOfServer(fsn1, at("2026-11-30T23:30:00Z"), at("2026-12-01T00:31:00Z"));
    expect(two.months.map((m) => [m.month, m.hours])).toEqual([
      ["2026-11", 1],
      ["2026-12", 1],
    ]);
  });

  it("keeps charging by the hour in a new month after the old one hit its cap", () => {
    const cost = costOfServer(fsn1, at("2026-11-01T00:00:00Z"), at("2026-12-01T10:00:00Z"));
    expect(cost.months.map((m) => [m.month, m.hours, m.capped])).toEqual([
      ["2026-11", 720, true],
      ["2026-12", 10, false],
    ]);
    expect(cost.amount).toBe(parseEuros("4.5101") + parseEuros("0.0714"));
  });

  it("prorates volumes and snapshots per GB and month by hour", () => {
    expect(hoursInMonth("2027-02")).toBe(672);
    expect(hoursInMonth("2028-02")).toBe(696);
    expect(hoursInMonth("2026-12")).toBe(744);

    // 10 GB at 0.0572 € per GB-month: a whole month is 0.572 €, whatever its length.
    const february = costOfStorage(
      "0.0572000000000000",
      10,
      at("2027-02-01T00:00:00Z"),
      at("2027-03-01T00:00:00Z"),
    );
    const december = costOfStorage(
      "0.0572000000000000",
      10,
      at("2026-12-01T00:00:00Z"),
      at("2027-01-01T00:00:00Z"),
    );
    expect(february.amount).toBe(parseEuros("0.572"));
    expect(december.amount).toBe(parseEuros("0.572"));

    // A day of a 30-day month is a thirtieth; a snapshot's size may be fractional.
    const day = costOfStorage("0.0572", "2.5", at("2026-11-05T00:00:00Z"), at("2026-11-06T00:00:00Z"));
    expect(day.amount).toBe(parseEuros("0.0047666666666667"));
    expect(toCents(day.amount)).toBe(0);
    expect(() =>
      costOfStorage("0.0572", 1e-17, at("2026-11-05T00:00:00Z"), at("2026-11-06T00:00:00Z")),
    ).toThrow(/size in GB must be a plain decimal number/);
  });
});
