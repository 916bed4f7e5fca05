import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runReminders } from "../../src/core/lifecycle/reminders.ts";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import type { Logger } from "../../src/core/ports/logger.ts";
import { startScheduler } from "../../src/lifecycle/scheduler.ts";
import { clockTicks } from "../helpers/clock-ticks.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";
import { deletes, MINUTE, plant, realTimeCloud, startWorld, type World } from "./world.ts";

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  expect(w.h.strayServers(w.deps)).toEqual([]);
  await w.close();
});

const EVERY_MINUTE = "* * * * *";
const NEVER = "0 0 1 1 *";

describe("two processes on one database", () => {
  it("never both delete an instance or both send a reminder, even when running at once", async () => {
    const t0 = w.clock.now().getTime();
    const expiring = await Promise.all([1, 2, 3, 4, 5, 6].map(() => plant(w.deps, { minutes: 30 })));
    const reminded = await Promise.all([1, 2, 3, 4].map(() => plant(w.deps, { minutes: 40 })));
    const b = w.otherProcess();
    w.clock.set(t0 + 30 * MINUTE);

    const [sweepA, sweepB] = await Promise.all([runSweep(w.deps), runSweep(b.deps)]);
    const [remindA, remindB] = await Promise.all([runReminders(w.deps, [15]), runReminders(b.deps, [15])]);

    const deletedBy = [...sweepA.outcomes, ...sweepB.outcomes].map((o) => o.instance.id).sort();
    expect(deletedBy).toEqual(expiring.map((e) => e.instance.id).sort());
    expect(deletes(w.h).sort()).toEqual(expiring.map((e) => e.server?.id).sort());
    const expired = [...w.notes.summary(), ...b.notes.summary()].filter((s) => s.startsWith("expired"));
    expect(expired.sort()).toEqual(expiring.map((e) => `expired ${e.instance.id}`).sort());

    const remindedIds = [...remindA.reminders, ...remindB.reminders].map((r) => r.instance.id).sort();
    expect(remindedIds).toEqual(reminded.map((r) => r.instance.id).sort());
    await Promise.all(reminded.map((r) => w.deps.cloud.deleteServer(r.server?.id ?? 0)));
    for (const r of reminded) w.deps.store.remove(r.instance.id, { actor: "test", kind: "deleted" });
  });

  it("two schedulers ticking at the same moments delete each instance once and remind once", async () => {
    const t0 = w.clock.now().getTime();
    const expiring = await Promise.all([1, 2, 3, 4, 5].map(() => plant(w.deps, { minutes: 30 })));
    const soon = await plant(w.deps, { minutes: 40 });
    const b = w.otherProcess();
    w.clock.set(t0 + 30 * MINUTE);
    const settings = {
      sweepCron: EVERY_MINUTE,
      reconcileCron: NEVER,
      remindMinutes: [15],
      orphanGraceMinutes: 15,
    };
    const ticks = clockTicks(w.clock);
    const schedulers = [startScheduler(w.deps, settings, ticks), startScheduler(b.deps, settings, ticks)];
    const settled = () => Promise.all(schedulers.map((s) => s.idle()));
    await settled(); // the reconcile each does at start
    // Each move of the clock ticks both schedulers at once; the reminder stays due all along.
    for (let minute = 31; minute <= 34; minute++) {
      w.clock.set(t0 + minute * MINUTE);
      await settled();
    }
    await Promise.all(schedulers.map((s) => s.stop()));

    expect(w.deps.store.list().map((i) => i.id)).toEqual([soon.instance.id]);
    expect(deletes(w.h).sort()).toEqual(expiring.map((e) => e.server?.id).sort());
    const all = [...w.notes.summary(), ...b.notes.summary()];
    expect(all.filter((s) => s.startsWith("expired"))).toHaveLength(5);
    expect(all.filter((s) => s.startsWith("reminder"))).toEqual([`reminder ${soon.instance.id} 9`]);
    await w.deps.cloud.deleteServer(soon.server?.id ?? 0);
    w.deps.store.remove(soon.instance.id, { actor: "test", kind: "deleted" });
  });
});

describe("scheduler", () => {
  it("skips a tick while the same job is still running, and runs the next one", async () => {
    const skipped: unknown[] = [];
    const log: Logger = {
      info: (m, fields) => {
        if (m === "job still running; tick skipped") skipped.push(fields?.job);
      },
      warn: () => {},
      error: (m, fields) => {
        throw new Error(`unexpected error log: ${m} ${JSON.stringify(fields)}`);
      },
    };
    const deps = w.h.compose({
      clock: w.clock,
      notifier: new RecordingNotifier(),
      cloud: realTimeCloud(w.h),
      log,
    });
    const t0 = w.clock.now().getTime();
    const { server } = await plant(deps, { minutes: 1 });
    const later = await plant(deps, { minutes: 3 });
    const scheduler = startScheduler(
      deps,
      { sweepCron: EVERY_MINUTE, reconcileCron: NEVER, remindMinutes: [], orphanGraceMinutes: 15 },
      clockTicks(w.clock),
    );
    await scheduler.idle();

    w.clock.set(t0 + MINUTE); // the sweep starts: its DELETE is on its way to Hetzner
    w.clock.set(t0 + 2 * MINUTE); // a tick while that sweep still runs
    expect(skipped.filter((job) => job === "sweep")).toHaveLength(1);
    await scheduler.idle();
    expect(deletes(w.h)).toEqual([server?.id]);

    w.clock.set(t0 + 3 * MINUTE); // the next tick runs again, and finds the later one due
    await scheduler.idle();
    await scheduler.stop();
    expect(skipped.filter((job) => job === "sweep")).toHaveLength(1);
    expect(deletes(w.h)).toEqual([server?.id, later.server?.id]);
  });
});
