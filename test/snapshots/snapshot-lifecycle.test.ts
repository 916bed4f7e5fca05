// Snapshots on the fake clock: the expiry sweep saves instead of deleting for people who chose so,
// the reminder says which will happen, retention reminds a day before and then deletes (unless
// kept), and the reconciler handles images the store does not know and rows whose image vanished.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serverLabels } from "../../src/core/cloud/server-labels.ts";
import { runReconcile } from "../../src/core/lifecycle/reconcile.ts";
import { runReminders } from "../../src/core/lifecycle/reminders.ts";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import { keepSnapshot } from "../../src/core/snapshots/manage.ts";
import { startRestore } from "../../src/core/snapshots/restore.ts";
import { snapshotLabels } from "../../src/core/snapshots/snapshot-labels.ts";
import { MINUTE, startWorld, type World } from "../lifecycle/world.ts";
import { ALICE, BOB, readyMachine, savedMachine } from "./saved-world.ts";

const DAY = 86_400_000;
let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

const snapshots = () => w.h.cloud.images().filter((i) => i.type === "snapshot");

describe("save on expiry", () => {
  it("saves the expired machine of someone who chose so, and plainly deletes the others'", async () => {
    w.deps.store.prefs.update(ALICE.id, { saveOnExpiry: true }, w.clock.now());
    const alices = await readyMachine(w, ALICE.id, 60);
    const bobs = await readyMachine(w, BOB.id, 60);

    await runReminders(w.deps, [15]);
    expect(w.notes.notices).toEqual([]);
    w.clock.advance(45 * MINUTE);
    await runReminders(w.deps, [15]);
    const onExpiry = Object.fromEntries(
      w.notes.notices.map((n) => [
        n.kind === "reminder" ? n.instance.id : "",
        n.kind === "reminder" ? n.onExpiry : "",
      ]),
    );
    expect(onExpiry).toEqual({ [alices.id]: "save", [bobs.id]: "delete" });
    w.notes.clear();

    w.clock.advance(15 * MINUTE);
    const summary = await runSweep(w.deps);
    expect(summary.snapshots?.saved.map((s) => [s.kind, s.instance.id])).toEqual([["saved", alices.id]]);
    expect(w.notes.summary().sort()).toEqual([`expired ${bobs.id}`, `saved ${alices.id}`].sort());
    expect(w.deps.store.require(alices.id).status).toBe("deleted");
    expect(w.deps.store.require(bobs.id).status).toBe("deleted");
    expect(snapshots().map((i) => i.labels["ccc-instance"])).toEqual([alices.id]);
    // Billed from now on at its image size and the gross price per GB-month /pricing gave then.
    expect(w.deps.store.storageLedger.heldIn(new Date(0), new Date(8.64e15))).toEqual([
      expect.objectContaining({
        kind: "snapshot",
        id: `snapshot:${alices.id}`,
        sizeGb: 1.5,
        pricePerGbMonth: "0.0130900000",
      }),
    ]);
    expect(w.h.cloud.servers()).toEqual([]);
  });

  it("deletes as usual when the snapshot fails, after telling the owner", async () => {
    w.deps.store.prefs.update(ALICE.id, { saveOnExpiry: true }, w.clock.now());
    const machine = await readyMachine(w, ALICE.id, 10);
    w.h.cloud.failNextAction("create_image", { code: "image_failed", message: "no space" });
    w.clock.advance(10 * MINUTE);
    await runSweep(w.deps);
    expect(w.notes.summary()).toEqual([`save_failed ${machine.id}`, `expired ${machine.id}`]);
    expect(w.h.cloud.servers()).toEqual([]);
    expect(snapshots()).toEqual([]);
  });
});

describe("retention", () => {
  it("reminds a day before, a keep moves the end, then it is deleted after another reminder", async () => {
    const id = await savedMachine(w);
    const t0 = w.clock.now().getTime();
    w.clock.set(t0 + 6 * DAY - MINUTE);
    expect((await runSweep(w.deps)).snapshots?.reminded).toEqual([]);
    w.clock.set(t0 + 6 * DAY);
    expect((await runSweep(w.deps)).snapshots?.reminded).toEqual([id]);
    expect(w.notes.summary()).toEqual([`snapshot_expiring ${id}`]);
    // Once per deadline.
    expect((await runSweep(w.deps)).snapshots?.reminded).toEqual([]);

    await keepSnapshot(w.deps, ALICE, id);
    w.clock.set(t0 + 7 * DAY);
    expect((await runSweep(w.deps)).snapshots?.deleted).toEqual([]);
    expect(snapshots()).toHaveLength(1);

    w.clock.set(t0 + 12 * DAY);
    expect((await runSweep(w.deps)).snapshots?.reminded).toEqual([id]);
    w.clock.set(t0 + 13 * DAY);
    expect((await runSweep(w.deps)).snapshots?.deleted).toEqual([id]);
    expect(snapshots()).toEqual([]);
    expect(w.deps.store.snapshots.get(id)?.status).toBe("deleted");
    expect(w.notes.summary()).toEqual([
      `snapshot_expiring ${id}`,
      `snapshot_expiring ${id}`,
      `snapshot_deleted ${id}`,
    ]);
  });

  it("never deletes without the reminder: a sweep that was away gives the owner their day first", async () => {
    const id = await savedMachine(w);
    const t0 = w.clock.now().getTime();
    w.clock.set(t0 + 8 * DAY);
    const first = await runSweep(w.deps);
    expect(first.snapshots).toMatchObject({ reminded: [id], deleted: [] });
    expect(snapshots()).toHaveLength(1);
    w.clock.set(t0 + 9 * DAY);
    expect((await runSweep(w.deps)).snapshots?.deleted).toEqual([id]);
  });
});

describe("reconcile of images", () => {
  it("reports an unknown ccc image, deletes it only after its retention, and closes a row whose image vanished", async () => {
    const kept = await savedMachine(w);
    // An image the store does not know (a lost database): made straight at the fake.
    const lost = await readyMachine(w, ALICE.id);
    const end = new Date(w.clock.now().getTime() + 2 * DAY);
    const { action } = await w.deps.cloud.createSnapshot(lost.hetznerServerId as number, {
      labels: snapshotLabels(lost, end),
    });
    await w.deps.cloud.waitForAction(action.id);
    const orphanId = snapshots().find((i) => i.labels["ccc-instance"] === lost.id)?.id;

    const waiting = await runReconcile(w.deps, { graceMinutes: 15 });
    expect(waiting.findings.filter((f) => f.kind === "orphan_image")).toMatchObject([
      { instanceId: lost.id, action: "wait", outcome: "waiting" },
    ]);
    expect(snapshots()).toHaveLength(2);

    w.clock.set(end);
    const done = await runReconcile(w.deps, { graceMinutes: 15 });
    expect(done.findings.filter((f) => f.kind === "orphan_image")).toMatchObject([
      { action: "delete_image", outcome: "done" },
    ]);
    expect(snapshots().map((i) => i.id)).not.toContain(orphanId);
    expect(w.notes.summary()).toContain("admin_alert");

    // The kept snapshot's image is deleted outside ccc: its row is closed.
    const imageId = w.deps.store.snapshots.get(kept)?.imageId as number;
    await w.deps.cloud.deleteImage(imageId);
    const closed = await runReconcile(w.deps, { graceMinutes: 15 });
    expect(closed.findings.filter((f) => f.kind === "lost_image")).toMatchObject([
      { instanceId: kept, action: "close_snapshot", outcome: "done" },
    ]);
    expect(w.deps.store.snapshots.get(kept)?.status).toBe("deleted");
    await w.deps.cloud.deleteServer(lost.hetznerServerId as number);
    w.deps.store.remove(lost.id, { actor: "test", kind: "deleted" });
  });
});

describe("an interrupted restore", () => {
  it("is failed and its server deleted by the reconciler, never resumed with the installer", async () => {
    const id = await savedMachine(w);
    const snapshot = w.deps.store.snapshots.get(id);
    if (!snapshot) throw new Error("no snapshot");
    const { instance } = await startRestore(w.deps, ALICE, { snapshotId: id });
    // The process stopped right after the create call.
    const { server } = await w.deps.cloud.createServer({
      name: instance.id,
      serverType: instance.serverType,
      image: String(snapshot.imageId),
      location: instance.location,
      sshKeys: [],
      labels: serverLabels(instance),
    });
    w.deps.store.update(
      instance.id,
      { hetznerServerId: server.id, ipv4: server.ipv4 },
      { actor: "test", kind: "server_created" },
    );
    w.clock.advance(5 * MINUTE);
    const summary = await runReconcile(w.deps, { graceMinutes: 15 });
    expect(summary.findings.filter((f) => f.kind === "stuck")).toMatchObject([
      { instanceId: instance.id, action: "fail_and_delete", outcome: "done" },
    ]);
    expect(w.h.installer.calls()).toEqual([]);
    expect(w.deps.store.require(instance.id).status).toBe("failed");
    expect(w.h.cloud.servers()).toEqual([]);
    expect(w.deps.store.snapshots.get(id)?.status).toBe("available");
  });
});
