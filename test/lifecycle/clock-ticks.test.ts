import { describe, expect, it } from "vitest";
import { clockTicks } from "../helpers/clock-ticks.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

// The scheduler tests trust these ticks to stand in for node-cron: check them against its rules.
describe("clockTicks", () => {
  it("ticks once per move of the clock that passes a time of the expression, until stopped", () => {
    const clock = new FakeClock(new Date(2026, 10, 25, 10, 0, 30));
    const ticks = clockTicks(clock);
    const seen = { minute: 0, tenMinutes: 0, never: 0, seconds: 0 };
    const running = [
      ticks.schedule("* * * * *", () => seen.minute++, { name: "minute" }),
      ticks.schedule("*/10 * * * *", () => seen.tenMinutes++, { name: "ten" }),
      ticks.schedule("0 0 1 1 *", () => seen.never++, { name: "never" }),
      ticks.schedule("*/15 * * * * *", () => seen.seconds++, { name: "seconds" }),
    ];

    clock.advance(20_000); // 10:00:50: no new minute, no quarter minute either (45 s passed)
    expect(seen).toEqual({ minute: 0, tenMinutes: 0, never: 0, seconds: 1 });
    clock.advance(10_000); // 10:01:00
    expect(seen).toEqual({ minute: 1, tenMinutes: 0, never: 0, seconds: 2 });
    clock.advance(30 * 60_000); // 10:31:00: many times passed, one tick each
    expect(seen).toEqual({ minute: 2, tenMinutes: 1, never: 0, seconds: 3 });
    clock.advance(0);
    expect(seen).toEqual({ minute: 2, tenMinutes: 1, never: 0, seconds: 3 });

    for (const r of running) r.stop();
    clock.advance(60 * 60_000);
    expect(seen).toEqual({ minute: 2, tenMinutes: 1, never: 0, seconds: 3 });
  });

  it("reads expressions as node-cron does", () => {
    const ticks = clockTicks(new FakeClock());
    expect(ticks.validate("*/5 * * * * *")).toBe(true);
    expect(ticks.validate("every minute")).toBe(false);
  });
});
