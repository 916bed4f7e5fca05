// Reconcile and volumes: one labelled managed-by=ccc that the store does not know is reported to the
// admins once and deleted only after the retention it would have had; never while attached. A row
// whose volume vanished is closed.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runReconcile } from "../../src/core/lifecycle/reconcile.ts";
import { reconcileVolumes } from "../../src/core/lifecycle/reconcile-volumes.ts";
import { createLabelled, MINUTE, startWorld, type World } from "../lifecycle/world.ts";
import { freeVolume } from "./world.ts";

const DAY = 1_440 * MINUTE;
let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

const reconcile = (dryRun = false) => runReconcile(w.deps, { graceMinutes: 10, dryRun });

/** A volume with ccc's labels made by someone else (or by a ccc whose database was lost). */
async function strayVolume(): Promise<number> {
  const made = await w.h.deps.cloud.volumes.create({
    name: "lost-work",
    sizeGb: 10,
    location: "fsn1",
    format: "ext4",
    labels: { "managed-by": "ccc", "ccc-owner": "carol" },
  });
  await w.h.deps.cloud.waitForAction(made.action.id);
  return made.volume.id;
}

describe("reconcile and volumes", () => {
  it("reports an unknown volume to the admins once, and deletes it only when its retention would have ended", async () => {
    const id = await strayVolume();
    const t0 = w.clock.now().getTime();
    const first = await reconcile();
    expect(first.volumes).toEqual([
      expect.objectContaining({ kind: "orphan_volume", volumeId: id, action: "report" }),
    ]);
    expect(w.notes.notices).toEqual([
      {
        kind: "admin_alert",
        text: expect.stringContaining(`volume ${id} (lost-work, 10 GB in fsn1, owner carol)`),
      },
    ]);
    await reconcile();
    expect(w.notes.notices).toHaveLength(1);

    w.clock.set(t0 + 30 * DAY - MINUTE);
    await reconcile();
    expect(w.h.cloud.volumes().map((v) => v.id)).toEqual([id]);

    w.clock.set(t0 + 30 * DAY + MINUTE);
    expect((await reconcile(true)).volumes).toEqual([
      expect.objectContaining({ action: "delete_volume", outcome: "dry_run" }),
    ]);
    expect(w.h.cloud.volumes()).toHaveLength(1);
    const late = await reconcile();
    expect(late.volumes).toEqual([expect.objectContaining({ action: "delete_volume", outcome: "done" })]);
    expect(w.h.cloud.volumes()).toEqual([]);
    expect(w.notes.summary()).toEqual(["admin_alert", "admin_alert"]);
  });

  it("never deletes an unknown volume that is attached", async () => {
    const id = await strayVolume();
    const { server } = await createLabelled(w.h.deps, "ccc-yyyyyy", new Date(Date.now() + DAY));
    await w.h.deps.cloud.waitForAction((await w.h.deps.cloud.volumes.attach(id, server.id)).id);
    w.clock.set(w.clock.now().getTime() + 90 * DAY);
    // The volume part alone: the whole pass would first delete the server as an orphan, freeing the volume.
    const volumes = await reconcileVolumes(w.deps, { graceMinutes: 10 });
    expect(volumes).toEqual([expect.objectContaining({ volumeId: id, action: "keep_attached" })]);
    expect(w.h.cloud.volumes()).toHaveLength(1);
    await w.h.deps.cloud.deleteServer(server.id);
    w.h.cloud.settle();
  });

  it("closes the row of a volume deleted outside ccc, and leaves known ones alone", async () => {
    const id = await freeVolume(w.h);
    expect((await reconcile()).volumes).toEqual([]);
    await w.h.deps.cloud.volumes.delete(id);
    const { volumes } = await reconcile();
    expect(volumes).toEqual([
      expect.objectContaining({ kind: "vanished_volume", volumeId: id, outcome: "done" }),
    ]);
    expect(w.deps.store.workVolumes.open("alice", "fsn1")).toBeNull();
    expect(w.notes.notices).toEqual([]);
  });
});
