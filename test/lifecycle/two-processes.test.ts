import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runReminders } from "../../src/core/lifecycle/reminders.ts";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import type { Logger } from "../../src/core/logger.ts";
import { startScheduler } from "../../src/lifecycle/scheduler.ts";
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

const EVERY_SECOND = "* * * * * *";
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

  it("two real schedulers on a short cron delete each instance once and remind once", async () => {
    const t0 = w.clock.now().getTime();
    const expiring = await Promise.all([1, 2, 3, 4, 5].map(() => plant(w.deps, { minutes: 30 })));
    const soon = await plant(w.deps, { minutes: 40 });
    const b = w.otherProcess();
    w.clock.set(t0 + 30 * MINUTE);
    const settings = {
      sweepCron: EVERY_SECOND,
      reconcileCron: NEVER,
      remindMinutes: [15],
      orphanGraceMinutes: 15,
    };
    const schedulers = [startScheduler(w.deps, settings), startScheduler(b.deps, settings)];
    await vi.waitFor(() => expect(w.deps.store.list().map((i) => i.id)).toEqual([soon.instance.id]), {
      timeout: 5_000,
      interval: 100,
    });
    // A few more ticks of both, with the reminder due all along.
    await new Promise((r) => setTimeout(r, 2_100));
    await Promise.all(schedulers.map((s) => s.stop()));

    expect(deletes(w.h).sort()).toEqual(expiring.map((e) => e.server?.id).sort());
    const all = [...w.notes.summary(), ...b.notes.summary()];
    expect(all.filter((s) => s.startsWith("expired"))).toHaveLength(5);
    expect(all.filter((s) => s.startsWith("reminder"))).toEqual([`reminder ${soon.instance.id} 10`]);
    await w.deps.cloud.deleteServer(soon.server?.id ?? 0);
    w.deps.store.remove(soon.instance.id, { actor: "test", kind: "deleted" });
  });
});

describe("scheduler", () => {
  it("skips a tick while the same job is still running", async () => {
    const lines: string[] = [];
    const log: Logger = {
      info: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      error: (m) => lines.push(m),
    };
    const deps = w.h.compose({
      clock: w.clock,
      notifier: new RecordingNotifier(),
      cloud: realTimeCloud(w.h),
      log,
    });
    const t0 = w.clock.now().getTime();
    const { server } = await plant(deps, { minutes: 1 });
    w.clock.set(t0 + MINUTE);
    w.h.cloud.failNext({ method: "DELETE" }, { delayMs: 2_500 });
    const scheduler = startScheduler(deps, {
      sweepCron: EVERY_SECOND,
      reconcileCron: NEVER,
      remindMinutes: [],
      orphanGraceMinutes: 15,
    });
    await vi.waitFor(() => expect(w.h.cloud.servers()).toEqual([]), { timeout: 6_000, interval: 100 });
    await scheduler.stop();
    expect(lines.filter((l) => l === "job still running; tick skipped").length).toBeGreaterThanOrEqual(1);
    expect(deletes(w.h)).toEqual([server?.id]);
  });
});
