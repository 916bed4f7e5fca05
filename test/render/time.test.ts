import { describe, expect, it } from "vitest";
import { formatTimeLeft, formatUtc, inTime, leftPhrase } from "../../src/render/time.ts";

const now = new Date("2026-11-25T12:00:00Z");
const later = (ms: number) => new Date(now.getTime() + ms);
const MINUTE = 60_000;

describe("time left, for the terminal", () => {
  it("rounds to minutes and drops empty parts", () => {
    expect(formatTimeLeft(later(3 * 60 * MINUTE + 12 * MINUTE), now)).toBe("3 h 12 min");
    expect(formatTimeLeft(later(2 * 60 * MINUTE), now)).toBe("2 h");
    expect(formatTimeLeft(later(45 * MINUTE + 20_000), now)).toBe("45 min");
    expect(formatTimeLeft(later(59 * MINUTE + 40_000), now)).toBe("1 h");
    expect(formatTimeLeft(later(20_000), now)).toBe("under a minute");
    expect(formatTimeLeft(now, now)).toBe("expired");
    expect(leftPhrase(later(90 * MINUTE), now)).toBe("1 h 30 min left");
    expect(leftPhrase(later(-1), now)).toBe("expired");
  });

  it("writes moments in UTC to the minute", () => {
    expect(formatUtc(new Date("2026-11-25T14:07:59.999Z"))).toBe("2026-11-25 14:07 UTC");
  });
});

describe("time left, for Slack", () => {
  it("says minutes under two hours and tenths of hours above", () => {
    expect(inTime(now, now)).toBe("now");
    expect(inTime(later(30_000), now)).toBe("in under a minute");
    expect(inTime(later(MINUTE), now)).toBe("in 1 minute");
    expect(inTime(later(119 * MINUTE + 59_000), now)).toBe("in 119 minutes");
    expect(inTime(later(120 * MINUTE), now)).toBe("in 2 hours");
    expect(inTime(later(195 * MINUTE), now)).toBe("in 3.3 hours");
  });
});
