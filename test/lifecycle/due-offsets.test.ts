import { describe, expect, it } from "vitest";
import { dueOffsets } from "../../src/core/lifecycle/reminders.ts";

const MINUTE = 60_000;
const expiresAt = 10 * 60 * MINUTE;
const candidate = (
  patch: { createdAt?: number; extendedAt?: number | null; sentOffsets?: number[] } = {},
) => ({
  id: "ccc-abcdef",
  expiresAt,
  createdAt: 0,
  extendedAt: null,
  sentOffsets: [],
  ...patch,
});
const at = (minutesBefore: number) => expiresAt - minutesBefore * MINUTE;

describe("dueOffsets", () => {
  it("is empty before the widest offset's moment and holds each offset once its moment has come", () => {
    expect(dueOffsets(candidate(), [15, 60], at(61))).toEqual([]);
    expect(dueOffsets(candidate(), [15, 60], at(60))).toEqual([60]);
    expect(dueOffsets(candidate(), [15, 60], at(14))).toEqual([15, 60]);
  });

  it("leaves out what was sent for this deadline", () => {
    expect(dueOffsets(candidate({ sentOffsets: [60] }), [15, 60], at(14))).toEqual([15]);
    expect(dueOffsets(candidate({ sentOffsets: [15, 60] }), [15, 60], at(1))).toEqual([]);
  });

  it("skips offsets already past when the deadline was set, at creation or by an extend", () => {
    // Created 30 minutes before expiry: "60 minutes left" was never true.
    expect(dueOffsets(candidate({ createdAt: at(30) }), [15, 60], at(14))).toEqual([15]);
    // Extended 20 minutes before the new expiry: only offsets after that count.
    expect(dueOffsets(candidate({ extendedAt: at(20) }), [15, 60], at(10))).toEqual([15]);
    // A moment exactly at the setting is not after it.
    expect(dueOffsets(candidate({ createdAt: at(15) }), [15], at(5))).toEqual([]);
  });
});
