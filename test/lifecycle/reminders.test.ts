import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../src/core/instances/actor.ts";
import { extend } from "../../src/core/instances/extend.ts";
import { runReminders } from "../../src/core/lifecycle/reminders.ts";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import { MINUTE, plant, startWorld, type World } from "./world.ts";

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  expect(w.h.strayServers(w.deps)).toEqual([]);
  await w.close();
});

const OFFSETS = [60, 15];

/** Runs the reminder pass (and the sweep) every minute from `from` to `to`, as the scheduler would. */
async function minuteByMinute(from: number, to: number, t0: number): Promise<string[]> {
  const seen: string[] = [];
  for (let t = from; t <= to; t += MINUTE) {
    w.clock.set(t);
    await runSweep(w.deps);
    const before = w.notes.notices.length;
    await runReminders(w.deps, OFFSETS);
    for (const n of w.notes.notices.slice(before)) {
      if (n.kind === "reminder") seen.push(`+${(t - t0) / MINUTE}m: ${n.minutesLeft} left`);
    }
  }
  return seen;
}

describe("reminders", () => {
  it("reminds at each offset, once, and never after the machine is gone", async () => {
    const t0 = w.clock.now().getTime();
    const { instance } = await plant(w.deps, { minutes: 120 });
    expect(await minuteByMinute(t0, t0 + 150 * MINUTE, t0)).toEqual(["+60m: 60 left", "+105m: 15 left"]);
    const reminder = w.notes.notices.find((n) => n.kind === "reminder");
    expect(reminder?.kind === "reminder" && reminder.instance.id).toBe(instance.id);
    expect(w.notes.summary().at(-1)).toBe(`expired ${instance.id}`);
    // A pass run many times in the same minute still sends nothing more.
    await runReminders(w.deps, OFFSETS);
    expect(w.notes.summary().filter((s) => s.startsWith("reminder"))).toHaveLength(2);
  });

  it("skips offsets already passed when the machine was created", async () => {
    const t0 = w.clock.now().getTime();
    await plant(w.deps, { minutes: 30 });
    expect(await minuteByMinute(t0, t0 + 30 * MINUTE, t0)).toEqual(["+15m: 15 left"]);
  });

  it("reminds again for the new deadline after an extend between reminders", async () => {
    const t0 = w.clock.now().getTime();
    const { instance } = await plant(w.deps, { minutes: 120 });
    expect(await minuteByMinute(t0, t0 + 70 * MINUTE, t0)).toEqual(["+60m: 60 left"]);
    const extended = await extend(w.deps, SYSTEM_ACTOR, instance.id, 1);
    expect(extended.instance.expiresAt.getTime()).toBe(t0 + 180 * MINUTE);
    // No 15-minute reminder for the old deadline (+105m); both offsets for the new one.
    expect(await minuteByMinute(t0 + 71 * MINUTE, t0 + 181 * MINUTE, t0)).toEqual([
      "+120m: 60 left",
      "+165m: 15 left",
    ]);
    expect(w.deps.store.require(instance.id).status).toBe("deleted");
  });

  it("does not send an offset whose moment had passed when an extend set the new deadline", async () => {
    const t0 = w.clock.now().getTime();
    const { instance } = await plant(w.deps, { minutes: 120 });
    expect(await minuteByMinute(t0, t0 + 100 * MINUTE, t0)).toEqual(["+60m: 60 left"]);
    // 20 minutes left, +30 min: the new deadline's 60-minute moment (+90m) is already behind.
    await extend(w.deps, SYSTEM_ACTOR, instance.id, 0.5);
    expect(await minuteByMinute(t0 + 101 * MINUTE, t0 + 150 * MINUTE, t0)).toEqual(["+135m: 15 left"]);
  });

  it("sends only the most urgent reminder when a pass comes late", async () => {
    const t0 = w.clock.now().getTime();
    await plant(w.deps, { minutes: 120 });
    // The bot was down from +50m to +110m: one reminder, the 15-minute one, not a stale "60".
    w.clock.set(t0 + 110 * MINUTE);
    await runReminders(w.deps, OFFSETS);
    expect(w.notes.summary()).toEqual([expect.stringMatching(/^reminder ccc-\w+ 10$/)]);
    await runReminders(w.deps, OFFSETS);
    expect(w.notes.notices).toHaveLength(1);
  });
});
