import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkExpiredFailed, checkExpiredText } from "../../src/commands/check-expired.ts";
import { runReconcile } from "../../src/core/lifecycle/reconcile.ts";
import { ALERT_AFTER_ATTEMPTS, runSweep } from "../../src/core/lifecycle/sweep.ts";
import type { Harness } from "../helpers/harness.ts";
import { createLabelled, deletes, MINUTE, plant, startWorld, type World } from "./world.ts";

// Hetzner keeps a deleted server listed as `deleting` until its delete action ends and refuses a
// second DELETE meanwhile as `locked`; a server busy with another action is `locked` too.
// ccc takes the first as on its way out and waits out the second, quietly.

let w: World;
beforeEach(async () => {
  w = await startWorld();
  w.h.cloud.setActionDuration(60 * MINUTE, "delete_server");
});
afterEach(async () => {
  expect(w.h.strayServers(w.deps)).toEqual([]);
  await w.close();
});

const GRACE = { graceMinutes: 15 };
const brief = (f: { kind: string; action: string; outcome: string }) => `${f.kind} ${f.action} ${f.outcome}`;

/** Starts a snapshot of the server, which holds it `locked` until the fake settles it. */
async function snapshotRunning(h: Harness, serverId: number): Promise<void> {
  h.cloud.setActionDuration(60 * MINUTE, "create_image");
  const res = await fetch(`${h.cloud.url}/servers/${serverId}/actions/create_image`, {
    method: "POST",
    headers: { authorization: `Bearer ${h.cloud.token}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "snapshot" }),
  });
  expect(res.status).toBe(201);
}

describe("expiry sweep and a server Hetzner is deleting", () => {
  it("finishes a delete whose server is already deleting without a second DELETE", async () => {
    const t0 = w.clock.now().getTime();
    const { instance, server } = await plant(w.deps, { minutes: 30 });
    // A process sent the DELETE and died before it could record the outcome.
    w.deps.store.update(instance.id, { status: "deleting" }, { actor: "test", kind: "deleting" });
    await w.deps.cloud.deleteServer(server?.id ?? 0);

    w.clock.set(t0 + 30 * MINUTE);
    const { outcomes } = await runSweep(w.deps);
    expect(outcomes.map((o) => [o.instance.id, o.instance.status, o.error])).toEqual([
      [instance.id, "deleted", null],
    ]);
    expect(deletes(w.h)).toEqual([server?.id]);
    expect(w.notes.summary()).toEqual([`expired ${instance.id}`]);
  });

  it("takes a server someone else is deleting for deleted when its own DELETE is refused as locked", async () => {
    const t0 = w.clock.now().getTime();
    const { instance, server } = await plant(w.deps, { minutes: 5 });
    await w.deps.cloud.deleteServer(server?.id ?? 0); // in the Hetzner console
    w.clock.set(t0 + 5 * MINUTE);
    const { outcomes } = await runSweep(w.deps);
    expect(outcomes.map((o) => [o.instance.status, o.error])).toEqual([["deleted", null]]);
    expect(w.notes.summary()).toEqual([`expired ${instance.id}`]);
  });

  it("retries a server locked by another action every minute without alerting the admins", async () => {
    const t0 = w.clock.now().getTime();
    const { instance, server } = await plant(w.deps, { minutes: 10 });
    await snapshotRunning(w.h, server?.id ?? 0);

    for (let minute = 10; minute < 10 + ALERT_AFTER_ATTEMPTS + 2; minute++) {
      w.clock.set(t0 + minute * MINUTE);
      const summary = await runSweep(w.deps);
      expect(summary.outcomes.map((o) => [o.locked, o.retryAt?.getTime()])).toEqual([
        [true, t0 + (minute + 1) * MINUTE],
      ]);
      // `ccc check-expired` under cron: busy is not failed.
      expect(checkExpiredFailed(summary)).toBe(false);
      expect(checkExpiredText(summary)).toContain(`${instance.id}: its server is busy at Hetzner`);
    }
    expect(w.deps.store.require(instance.id).status).toBe("deleting");
    expect(w.notes.notices).toEqual([]);

    w.h.cloud.settle("create_image");
    w.clock.set(t0 + 20 * MINUTE);
    const { outcomes } = await runSweep(w.deps);
    expect(outcomes.map((o) => [o.instance.status, o.error, o.locked])).toEqual([["deleted", null, false]]);
    expect(w.h.cloud.servers()).toEqual([]);
    expect(w.notes.summary()).toEqual([`expired ${instance.id}`]);
  });
});

describe("reconcile and a server Hetzner is deleting", () => {
  it("calls a deleting server of a deleted instance no orphan: no DELETE, no alert", async () => {
    const t0 = w.clock.now().getTime();
    const { instance, server } = await plant(w.deps, { minutes: 30 });
    w.clock.set(t0 + 30 * MINUTE);
    await runSweep(w.deps);
    expect(w.deps.store.require(instance.id).status).toBe("deleted");
    expect(w.h.cloud.deletingServers().map((s) => s.id)).toEqual([server?.id]);

    w.clock.set(t0 + 60 * MINUTE);
    expect((await runReconcile(w.deps, GRACE)).findings).toEqual([]);
    expect(deletes(w.h)).toEqual([server?.id]);
    expect(w.notes.summary()).toEqual([`expired ${instance.id}`]);
  });

  it("closes a live row only once its deleting server is really gone", async () => {
    const { instance, server } = await plant(w.deps, { minutes: 240 });
    await w.deps.cloud.deleteServer(server?.id ?? 0); // in the Hetzner console

    expect((await runReconcile(w.deps, GRACE)).findings).toEqual([]);
    expect(w.deps.store.require(instance.id).status).toBe("ready");

    w.h.cloud.settle("delete_server");
    expect((await runReconcile(w.deps, GRACE)).findings.map(brief)).toEqual(["ghost mark_deleted done"]);
    expect(w.notes.summary()).toEqual([`server_gone ${instance.id}`]);
  });

  it("fails a provision whose server is being deleted instead of resuming it, and sends no DELETE", async () => {
    const t0 = w.clock.now().getTime();
    const { instance, server } = await createdThenDeleted(w);
    w.clock.set(t0 + 3 * MINUTE);
    const summary = await runReconcile(w.deps, GRACE);
    expect(summary.findings.map(brief)).toEqual(["stuck fail_and_delete done"]);
    expect(deletes(w.h)).toEqual([server.id]);
    expect(w.h.installer.calls()).toEqual([]);
    expect(w.deps.store.require(instance.id)).toMatchObject({
      status: "failed",
      failureReason: `its server ${server.id} was deleted while it was being built`,
    });
  });
});

/** A `creating` row whose server exists but is being deleted (say, in the console). */
async function createdThenDeleted(world: World) {
  const { instance } = await plant(world.deps, { minutes: 240, status: "creating", server: false });
  const { server } = await createLabelled(world.deps, instance.id, instance.expiresAt);
  await world.deps.cloud.deleteServer(server.id);
  return { instance, server };
}
