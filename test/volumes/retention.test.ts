// Retention on the fake clock: an unused volume is deleted after CCC_VOLUME_RETENTION_DAYS (30), after DMs
// 7 days and 1 day before; "Keep it" starts the clock again; never deleted while attached.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import { keepWorkVolume } from "../../src/core/volumes/volume-views.ts";
import { createLabelled, MINUTE, startWorld, type World } from "../lifecycle/world.ts";
import { ALICE, freeVolume } from "./world.ts";

const DAY = 1_440 * MINUTE;
let w: World;
let id: number;
let base: number;

beforeEach(async () => {
  w = await startWorld();
  id = await freeVolume(w.h);
  base = w.deps.store.workVolumes.open("alice", "fsn1")?.lastUsedAt.getTime() ?? 0;
});
afterEach(async () => {
  await w.close();
});

/** One sweep at `at` (ms after the volume was last used): what the owner was told. */
async function sweepAt(at: number): Promise<string[]> {
  w.notes.clear();
  w.clock.set(base + at);
  await runSweep(w.deps);
  return w.notes.summary();
}

const volumeThere = () => w.h.cloud.volumes().some((v) => v.id === id);

describe("an unused work volume", () => {
  it("is reminded 7 days and 1 day before, once each, then deleted at the end of its retention", async () => {
    expect(await sweepAt(23 * DAY - MINUTE)).toEqual([]);
    expect(await sweepAt(23 * DAY)).toEqual([`volume_expiring ${id} 7`]);
    expect(await sweepAt(23 * DAY + MINUTE)).toEqual([]);
    expect(await sweepAt(29 * DAY - MINUTE)).toEqual([]);
    expect(await sweepAt(29 * DAY)).toEqual([`volume_expiring ${id} 1`]);
    expect(await sweepAt(30 * DAY - MINUTE)).toEqual([]);
    expect(volumeThere()).toBe(true);

    expect(await sweepAt(30 * DAY)).toEqual([`volume_deleted ${id} 0`]);
    expect(volumeThere()).toBe(false);
    expect(w.deps.store.workVolumes.open("alice", "fsn1")).toBeNull();
    expect(await sweepAt(31 * DAY)).toEqual([]);
  });

  it("is kept 30 more days from a Keep it", async () => {
    await sweepAt(23 * DAY);
    const until = keepWorkVolume(w.deps, ALICE, id);
    expect(until.getTime()).toBe(base + 23 * DAY + 30 * DAY);
    expect(await sweepAt(30 * DAY)).toEqual([]);
    expect(volumeThere()).toBe(true);
    expect(await sweepAt(46 * DAY)).toEqual([`volume_expiring ${id} 7`]);
    expect(await sweepAt(52 * DAY)).toEqual([`volume_expiring ${id} 1`]);
    expect(await sweepAt(53 * DAY)).toEqual([`volume_deleted ${id} 0`]);
  });

  it("gets a day's notice when ccc missed its reminders, not a surprise delete", async () => {
    expect(await sweepAt(40 * DAY)).toEqual([`volume_expiring ${id} 1`]);
    expect(await sweepAt(41 * DAY - MINUTE)).toEqual([]);
    expect(volumeThere()).toBe(true);
    expect(await sweepAt(41 * DAY)).toEqual([`volume_deleted ${id} 0`]);
    expect(volumeThere()).toBe(false);
  });

  it("is never deleted while attached to a server at Hetzner", async () => {
    const { server } = await createLabelled(w.h.deps, "ccc-zzzzzz", new Date(Date.now() + DAY));
    const attach = await w.h.deps.cloud.volumes.attach(id, server.id);
    await w.h.deps.cloud.waitForAction(attach.id);
    await sweepAt(23 * DAY);
    await sweepAt(29 * DAY);
    w.clock.set(base + 30 * DAY);
    const { volumes } = await runSweep(w.deps);
    expect(volumes).toEqual([expect.objectContaining({ volumeId: id, action: "failed" })]);
    expect(volumeThere()).toBe(true);
    await w.h.deps.cloud.deleteServer(server.id);
    w.h.cloud.settle();
  });
});
