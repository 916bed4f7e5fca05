import { describe, expect, it } from "vitest";
import {
  centsJson,
  csvEuros,
  decimalJson,
  eurosJson,
  formatEuroAmount,
  formatEuros,
  moneyJson,
  parseEuros,
  toCents,
} from "../../src/core/billing/money.ts";

describe("money", () => {
  it("formats cents for people", () => {
    expect(formatEuros(1240)).toBe("€12.40");
    expect(formatEuros(5)).toBe("€0.05");
    expect(formatEuros(0)).toBe("€0.00");
    expect(formatEuros(123_456_789)).toBe("€1,234,567.89");
    expect(formatEuros(-5)).toBe("-€0.05");
  });

  it("formats a stored price with the places it needs", () => {
    expect(formatEuroAmount(parseEuros("0.0071400000000000"))).toBe("€0.00714");
    expect(formatEuroAmount(parseEuros("4.5101000000000000"))).toBe("€4.5101");
    expect(formatEuroAmount(parseEuros("3.5"))).toBe("€3.50");
    expect(formatEuroAmount(parseEuros("1200"))).toBe("€1,200.00");
  });

  it("writes CSV cells a spreadsheet reads as numbers", () => {
    expect(csvEuros(1240)).toBe("12.40");
    expect(csvEuros(123_456_789)).toBe("1234567.89");
    expect(csvEuros(-5)).toBe("-0.05");
    for (const cents of [0, 7, 1240, 123_456_789, -5]) expect(csvEuros(cents)).toMatch(/^-?\d+\.\d\d$/);
  });

  it("refuses cents that are not whole", () => {
    expect(() => formatEuros(12.5)).toThrow(RangeError);
    expect(() => csvEuros(Number.NaN)).toThrow(RangeError);
  });

  it("rounds to cents half up", () => {
    expect(toCents(parseEuros("0.005"))).toBe(1);
    expect(toCents(parseEuros("0.0049999999999999"))).toBe(0);
    expect(toCents(parseEuros("4.5101"))).toBe(451);
    expect(toCents(parseEuros("4.515"))).toBe(452);
  });
});

describe("money as JSON: one shape, a fixed number of places per kind", () => {
  it("gives totals in cents and hourly prices to 6 places, rounding half away from zero", () => {
    expect(moneyJson(parseEuros("12.4"))).toEqual({ amount: "12.40", currency: "EUR" });
    expect(moneyJson(parseEuros("0.0071400000000000"), "rate")).toEqual({
      amount: "0.007140",
      currency: "EUR",
    });
    expect(moneyJson(parseEuros("0.0000005"), "rate").amount).toBe("0.000001");
    expect(moneyJson(parseEuros("0.005")).amount).toBe("0.01");
    expect(moneyJson(parseEuros("0.0049")).amount).toBe("0.00");
    expect(moneyJson(-parseEuros("0.05")).amount).toBe("-0.05");
    expect(moneyJson(-parseEuros("0.001")).amount).toBe("0.00");
    expect(moneyJson(parseEuros("1234567.891")).amount).toBe("1234567.89");
  });

  it("takes cents, Hetzner's decimal strings and float estimates alike", () => {
    expect(centsJson(1240)).toEqual({ amount: "12.40", currency: "EUR" });
    expect(centsJson(-5).amount).toBe("-0.05");
    expect(centsJson(0).amount).toBe("0.00");
    expect(() => centsJson(1.5)).toThrow(RangeError);
    expect(decimalJson("4.3500000000000000", "total").amount).toBe("4.35");
    expect(eurosJson(0.0384).amount).toBe("0.04");
    expect(eurosJson(3.2 * 0.0119).amount).toBe("0.04");
    expect(() => eurosJson(Number.NaN)).toThrow(RangeError);
  });
});
