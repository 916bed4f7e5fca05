// A hibernated machine that had its owner's work volume gets it back at wake: the size is kept with
// the sleep (the deletion frees the volume), and the wake attaches the same volume to the new server
// and mounts it through the real ccc-apply, as a pool claim does. A machine without one gets none.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { wakeCommand } from "../../src/commands/wake.ts";
import { runIdlePass } from "../../src/core/hibernate/idle-sweep.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { attachWorkVolume } from "../../src/core/volumes/attach-work-volume.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { type HibernateWorld, MINUTE, startHibernateWorld } from "./hibernate-world.ts";

const ALICE: Actor = { id: "U0ALICE", isAdmin: false };
let w: HibernateWorld;
let kernel: NodeJS.Timeout;

beforeEach(async () => {
  w = await startHibernateWorld();
  // The kernel's part: an attached volume's device shows up on the machine's disk (ccc-apply waits
  // for it, then its mount is refused here, not being root: the machine runs without it, as designed).
  kernel = setInterval(() => {
    for (const v of w.h.cloud.volumes()) {
      if (v.server === null) continue;
      const device = join(w.root, v.linux_device);
      mkdirSync(dirname(device), { recursive: true });
      writeFileSync(device, "");
    }
  }, 20);
});
afterEach(async () => {
  clearInterval(kernel);
  await w.close();
});

/** Idle from now on until the pass hibernates it (warned at 25 minutes, asleep at 30). */
async function idleUntilHibernated(id: string) {
  w.clock.advance(26 * MINUTE);
  await runIdlePass(w.deps);
  w.clock.advance(5 * MINUTE);
  const [outcome] = (await runIdlePass(w.deps)).outcomes;
  expect(outcome?.kind === "hibernate" && outcome.result.kind).toBe("hibernated");
  return w.deps.store.require(id);
}

describe.skipIf(sshdMissingReason !== null)("a work volume across a hibernation", () => {
  it("is attached again at wake: the same volume, on the new server", async () => {
    const m = await w.machine();
    const { volume } = await attachWorkVolume(w.deps, m, { sizeGb: 20 });
    const cloudId = volume.hetznerId;
    expect(w.h.cloud.volumes().find((v) => v.id === cloudId)?.server).toBe(m.hetznerServerId);

    const slept = await idleUntilHibernated(m.id);
    await w.serverGone(slept.ipv4 ?? m.ipv4 ?? "");
    expect(w.deps.store.hibernation.current(m.id)?.workVolumeGb).toBe(20);
    // Asleep, the volume is free (its retention clock runs) and serves no machine.
    expect(w.deps.store.workVolumes.forInstance(m.id)).toBeNull();

    await wakeCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id });
    const woken = w.deps.store.require(m.id);
    expect(woken.status).toBe("ready");
    expect(woken.hetznerServerId).not.toBe(m.hetznerServerId);
    const back = w.deps.store.workVolumes.forInstance(m.id);
    expect(back).toMatchObject({ rowId: volume.rowId, hetznerId: cloudId, sizeGb: 20 });
    expect(w.h.cloud.volumes()).toHaveLength(1);
    expect(w.h.cloud.volumes()[0]?.server).toBe(woken.hetznerServerId);
    const events = w.deps.store.events(m.id).map((e) => e.kind);
    expect(events).toContain("volume_reattached");
  });

  it("a machine that had none wakes without one", async () => {
    const m = await w.machine();
    await idleUntilHibernated(m.id);
    await w.serverGone(m.ipv4 ?? "");
    expect(w.deps.store.hibernation.current(m.id)?.workVolumeGb).toBeNull();
    await wakeCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id });
    expect(w.deps.store.workVolumes.forInstance(m.id)).toBeNull();
    expect(w.h.cloud.volumes()).toEqual([]);
  });
});
