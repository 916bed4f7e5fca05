import { describe, expect, it } from "vitest";
import {
  csvEuros,
  formatEuroAmount,
  formatEuros,
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
