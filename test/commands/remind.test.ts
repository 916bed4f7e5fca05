import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/commands/input.ts";
import {
  remindCommand,
  remindFailed,
  remindInput,
  remindJson,
  remindText,
} from "../../src/commands/remind.ts";
import { parseConfig } from "../../src/config.ts";
import { ADMIN, ALICE, anInstance, HOUR, NOW } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

describe("remind", () => {
  it("takes whole minutes only, from the operator's settings in the terminal", () => {
    expect(() => parseInput(remindInput, { offsets: [15.5] })).toThrow(/^offsets\.0: /);
    expect(() => parseInput(remindInput, {})).toThrow("offsets is required.");
    const config = parseConfig({ CCC_REMIND_MINUTES: "15,60" });
    expect(remindCommand.doors.cli?.input({ args: {}, options: {}, config })).toEqual({ offsets: [60, 15] });
  });

  it("reminds a machine inside its window once, through the notifier", async () => {
    const soon = w.plant(ALICE.id);
    w.clock.set(NOW.getTime() + 2 * HOUR - 10 * 60_000);
    const first = await remindCommand.execute(w.ctx(ADMIN), { offsets: [15] });
    expect(first.text({ now: w.clock.now(), actor: ADMIN })).toBe(
      `${soon.id}: reminded U0ALICE (15-minute reminder, 10 min left)`,
    );
    expect(w.notes.summary()).toEqual([`reminder ${soon.id} 10`]);
    const again = await remindCommand.execute(w.ctx(ADMIN), { offsets: [15] });
    expect(again.text({ now: w.clock.now(), actor: ADMIN })).toBe("No reminder is due.");
  });

  it("says when a reminder could not be sent, and fails the run for it", () => {
    const summary = {
      reminders: [
        { instance: anInstance(), offsetMinutes: 60, minutesLeft: 59, delivery: "sent" as const },
        {
          instance: anInstance({ owner: "opal" }),
          offsetMinutes: 15,
          minutesLeft: 14,
          delivery: "no_recipient" as const,
        },
        { instance: anInstance(), offsetMinutes: 15, minutesLeft: 15, delivery: "failed" as const },
      ],
    };
    expect(remindText(summary).split("\n")).toEqual([
      "ccc-abcdef: reminded U0ALICE (60-minute reminder, 59 min left)",
      "ccc-abcdef: reminded opal (15-minute reminder, 14 min left) — not sent: the owner is not a Slack user",
      "ccc-abcdef: reminded U0ALICE (15-minute reminder, 15 min left) — sending it failed",
    ]);
    expect(remindFailed(summary)).toBe(true);
    expect(remindFailed({ reminders: summary.reminders.slice(0, 2) })).toBe(false);
    expect(remindJson(summary)[1]).toEqual({
      id: "ccc-abcdef",
      owner: "opal",
      offsetMinutes: 15,
      minutesLeft: 14,
      delivery: "no_recipient",
    });
  });
});
