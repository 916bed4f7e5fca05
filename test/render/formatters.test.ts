import { afterEach, describe, expect, it } from "vitest";
import { monthOf as billingMonth } from "../../src/core/billing/price.ts";
import { monthOf } from "../../src/core/usage/month.ts";
import { costLine } from "../../src/render/block-kit/provision-modal.ts";
import { euroEstimate } from "../../src/render/cost.ts";
import { personText, withOwnerNames } from "../../src/render/people.ts";
import { checkTimeZone, formatTime, formatUtc, showTimesIn } from "../../src/render/time.ts";

afterEach(() => showTimesIn(undefined));

describe("one formatter for money, months, people and moments", () => {
  it("shows money the same from cents and from an estimate, grouped, in every door", () => {
    expect(euroEstimate(3.5749)).toBe("€3.57");
    expect(euroEstimate(1234.5)).toBe("€1,234.50");
    const line = costLine({ hourly: "0.0080" } as Parameters<typeof costLine>[0], 8);
    expect(line).toContain("Estimated cost: *€0.06* for 8 h");
  });

  it("has one month: billing's key is the calendar month's", () => {
    const at = new Date("2026-12-31T23:59:59Z");
    expect(billingMonth(at)).toBe(monthOf(at).key);
    expect(billingMonth(at)).toBe("2026-12");
  });

  it("shows a person by display name and id, or the id alone, and adds ownerName beside each owner", () => {
    const names = new Map([["U0BOB", "Bob"]]);
    expect(personText("U0BOB", names)).toBe("Bob (U0BOB)");
    expect(personText("opal", names)).toBe("opal");
    expect(withOwnerNames([{ owner: "U0BOB", x: { owner: "opal" } }], names)).toEqual([
      { owner: "U0BOB", ownerName: "Bob", x: { owner: "opal", ownerName: null } },
    ]);
  });

  it("shows moments in UTC unless a door chose a zone, with the zone's abbreviation, summer time included", () => {
    const winter = new Date("2026-01-10T14:00:00Z");
    const summer = new Date("2026-07-10T14:00:00Z");
    expect(formatTime(winter)).toBe("2026-01-10 14:00 UTC");
    showTimesIn("Europe/Berlin");
    expect(formatTime(winter)).toBe("2026-01-10 15:00 CET");
    expect(formatUtc(summer)).toBe("2026-07-10 16:00 CEST");
    showTimesIn("Asia/Kolkata");
    expect(formatTime(winter)).toBe("2026-01-10 19:30 GMT+5:30");
    showTimesIn(undefined);
    expect(formatTime(summer)).toBe("2026-07-10 14:00 UTC");
    expect(() => checkTimeZone("Mars/Olympus")).toThrow("TZ=Mars/Olympus is not a time zone");
  });
});
