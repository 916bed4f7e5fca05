import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { instanceLease, LEASE_TTL_MS, takeLease } from "../../src/core/lifecycle/leases.ts";
import { runReconcile } from "../../src/core/lifecycle/reconcile.ts";
import { probeSsh } from "../../src/core/provision/wait-for-ssh.ts";
import { startScheduler } from "../../src/lifecycle/scheduler.ts";
import { clockTicks } from "../helpers/clock-ticks.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { createLabelled, deletes, MINUTE, plant, startWorld, type World } from "./world.ts";

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  // Orphans included: after reconcile nothing runs that the store does not know as live.
  expect(w.h.strayServers(w.deps)).toEqual([]);
  await w.close();
});

const GRACE = { graceMinutes: 15 };
const brief = (f: { kind: string; action: string; outcome: string }) => `${f.kind} ${f.action} ${f.outcome}`;

describe("reconcile: orphans", () => {
  it("adopts an unknown server whose expiry label is in the future, from its labels, and tells the admins", async () => {
    const t0 = w.clock.now().getTime();
    await plant(w.deps, { minutes: 240 }); // the store is the service's: it knows a machine
    const expiresAt = new Date(Math.floor((t0 + 4 * 60 * MINUTE) / 1000) * 1000); // labels hold seconds
    const { server } = await createLabelled(w.deps, "ccc-abcdef", expiresAt, "U0BOB");

    const dry = await runReconcile(w.deps, { ...GRACE, dryRun: true });
    expect(dry.findings.map(brief)).toEqual(["orphan adopt dry_run"]);
    expect(w.deps.store.get("ccc-abcdef")).toBeNull();

    // Long past the grace, but the label says it is wanted for hours yet: never deleted for that.
    w.clock.set(t0 + 60 * MINUTE);
    const summary = await runReconcile(w.deps, GRACE);
    expect(summary.findings.map(brief)).toEqual(["orphan adopt done"]);
    expect(deletes(w.h)).toEqual([]);
    expect(w.deps.store.require("ccc-abcdef")).toMatchObject({
      owner: "U0BOB",
      status: "ready",
      hetznerServerId: server.id,
      serverType: server.serverType,
      ipv4: server.ipv4,
      expiresAt,
    });
    expect(w.deps.store.events("ccc-abcdef").map((e) => e.kind)).toEqual(["requested", "adopted"]);
    expect(w.notes.summary()).toEqual(["admin_alert"]);
    // Adopted once: the next pass finds nothing to do.
    expect((await runReconcile(w.deps, GRACE)).findings).toEqual([]);
  });

  it("deletes an unknown server only after its label's expiry plus the grace, telling the admins", async () => {
    const t0 = w.clock.now().getTime();
    await plant(w.deps, { minutes: 240 });
    const { server } = await createLabelled(w.deps, "ccc-abcdef", new Date(t0 - MINUTE));

    w.clock.set(t0 + 13 * MINUTE);
    const young = await runReconcile(w.deps, GRACE);
    expect(young.findings.map(brief)).toEqual(["orphan wait waiting"]);
    expect(young.findings[0]?.detail).toContain("ccc-expires-at label is past");
    expect(w.notes.notices).toEqual([]);

    w.clock.set(t0 + 15 * MINUTE);
    const dry = await runReconcile(w.deps, { ...GRACE, dryRun: true });
    expect(dry.findings.map(brief)).toEqual(["orphan delete_server dry_run"]);
    expect(w.h.cloud.servers()).toHaveLength(2);

    const old = await runReconcile(w.deps, GRACE);
    expect(old.findings.map(brief)).toEqual(["orphan delete_server done"]);
    expect(deletes(w.h)).toEqual([server.id]);
    expect(w.notes.summary()).toEqual(["admin_alert"]);
    expect(w.deps.store.events("ccc-abcdef").map((e) => e.kind)).toEqual(["orphan_deleted"]);
  });

  it("deletes or adopts nothing when the store records no machine but Hetzner runs ccc servers, and says why", async () => {
    const t0 = w.clock.now().getTime();
    await createLabelled(w.deps, "ccc-lostdb", new Date(t0 - 60 * MINUTE));
    await createLabelled(w.deps, "ccc-livexy", new Date(t0 + 60 * MINUTE));
    expect(w.deps.store.list({ includeEnded: true })).toEqual([]);
    w.clock.set(t0 + 120 * MINUTE);
    for (const dryRun of [true, false]) {
      const summary = await runReconcile(w.deps, { ...GRACE, dryRun });
      expect(summary.findings).toEqual([]);
      expect(summary.refused).toMatch(
        /^this database records no machine at all, but Hetzner runs 2 ccc servers \(ccc-lostdb, ccc-livexy\)\. It is probably not the database ccc runs with \(CCC_DB_PATH\); nothing was deleted or adopted\.$/,
      );
    }
    expect(deletes(w.h)).toEqual([]);
    expect(w.deps.store.list({ includeEnded: true })).toEqual([]);
    // The test's own clean-up: these servers belong to "another database".
    for (const s of w.h.cloud.servers()) await w.deps.cloud.deleteServer(s.id);
    w.h.cloud.settle("delete_server");
  });

  it("deletes the server of a failed instance (its cleanup failed) but never a live one's", async () => {
    const t0 = w.clock.now().getTime();
    const live = await plant(w.deps, { minutes: 240 });
    const failed = await plant(w.deps, { minutes: 240 });
    w.deps.store.update(failed.instance.id, { status: "failed" }, { actor: "test", kind: "failed" });
    w.clock.set(t0 + 20 * MINUTE);
    const summary = await runReconcile(w.deps, GRACE);
    expect(summary.findings.map((f) => [f.instanceId, brief(f)])).toEqual([
      [failed.instance.id, "orphan delete_server done"],
    ]);
    expect(w.h.cloud.servers().map((s) => s.id)).toEqual([live.server?.id]);
  });
});

describe("reconcile: ghosts", () => {
  it("closes a live row whose server is gone and tells the owner", async () => {
    const { instance, server } = await plant(w.deps, { minutes: 240 });
    await w.deps.cloud.deleteServer(server?.id ?? 0); // deleted in the Hetzner console
    w.h.cloud.settle("delete_server");
    const summary = await runReconcile(w.deps, GRACE);
    expect(summary.findings.map(brief)).toEqual(["ghost mark_deleted done"]);
    const row = w.deps.store.require(instance.id);
    expect(row.status).toBe("deleted");
    expect(row.failureReason).toBe(`server ${server?.id} no longer exists at Hetzner`);
    expect(w.notes.summary()).toEqual([`server_gone ${instance.id}`]);
    expect((await runReconcile(w.deps, GRACE)).findings).toEqual([]);
  });
});

describe("reconcile: provisions a crash left behind", () => {
  it("resumes at start-up a process killed between the create call and the next store write", async () => {
    const t0 = w.clock.now().getTime();
    // Row `creating` without a server id, server present: exactly what the crash leaves.
    const { instance, server } = await plant(w.deps, { minutes: 240, status: "creating" });
    expect(instance.hetznerServerId).toBeNull();
    const ip = server?.ipv4 ?? "";
    await vi.waitFor(() => probeSsh(ip, w.deps.timing.sshPort, 500), { timeout: 5_000 });

    w.clock.set(t0 + 3 * MINUTE);
    const scheduler = startScheduler(
      w.deps,
      { sweepCron: "0 0 1 1 *", reconcileCron: "0 0 1 1 *", remindMinutes: [60, 15], orphanGraceMinutes: 15 },
      clockTicks(w.clock),
    );
    await scheduler.idle();
    await scheduler.stop();

    const row = w.deps.store.require(instance.id);
    expect(row).toMatchObject({ status: "ready", hetznerServerId: server?.id, ipv4: ip });
    expect(w.h.installer.calls()).toHaveLength(1);
    expect(w.h.cloud.servers().map((s) => s.id)).toEqual([server?.id]);
    expect(deletes(w.h)).toEqual([]);
    expect(w.deps.store.events(instance.id).map((e) => e.kind)).toEqual([
      "requested",
      "resuming",
      "server_created",
      "installing",
      "ready",
    ]);
    // The owner's own provision DM died with the process: the reconciler tells them instead.
    expect(w.notes.summary()).toEqual([`ready ${instance.id}`]);
  });

  it("prepares a resumed provision's workspace like a fresh one, and keeps the outcome for status", async () => {
    const t0 = w.clock.now().getTime();
    const { instance, server } = await plant(w.deps, { minutes: 240, status: "creating" });
    w.deps.store.workspaces.put(
      instance.id,
      { repo: { url: "file:///srv/git/app.git", name: "app", branch: null, label: "app", full: false } },
      w.clock.now(),
    );
    const ip = server?.ipv4 ?? "";
    await vi.waitFor(() => probeSsh(ip, w.deps.timing.sshPort, 500), { timeout: 5_000 });
    w.clock.set(t0 + 3 * MINUTE);
    const scheduler = startScheduler(
      w.deps,
      { sweepCron: "0 0 1 1 *", reconcileCron: "0 0 1 1 *", remindMinutes: [60, 15], orphanGraceMinutes: 15 },
      clockTicks(w.clock),
    );
    await scheduler.idle();
    await scheduler.stop();
    expect(w.deps.store.require(instance.id)).toMatchObject({ status: "ready" });
    // This world's machines only speak an SSH banner: the preparation was tried, and what it came to is kept.
    const kept = w.deps.store.workspaces.outcome(instance.id);
    expect(kept?.outcome.failed).toEqual(expect.any(String));
    expect(w.notes.summary()).toEqual([`ready ${instance.id}`]);
  });

  it("does not finish an interrupted provision that has expired meanwhile: fails it and deletes its server", async () => {
    const t0 = w.clock.now().getTime();
    const { instance, server } = await plant(w.deps, { minutes: 2, status: "creating" });
    w.clock.set(t0 + 3 * MINUTE);
    const summary = await runReconcile(w.deps, GRACE);
    expect(summary.findings.map(brief)).toEqual(["stuck fail_and_delete done"]);
    expect(deletes(w.h)).toEqual([server?.id]);
    expect(w.h.installer.calls()).toEqual([]);
    expect(w.deps.store.require(instance.id)).toMatchObject({
      status: "failed",
      failureReason: "it expired before its interrupted provision could be finished",
    });
    expect(w.notes.summary()).toEqual([`provision_abandoned ${instance.id}`]);
  });

  it("fails an interrupted install, deletes its server and tells the owner", async () => {
    const t0 = w.clock.now().getTime();
    const { instance, server } = await plant(w.deps, { minutes: 240, status: "installing" });
    w.clock.set(t0 + 3 * MINUTE);
    const summary = await runReconcile(w.deps, GRACE);
    expect(summary.findings.map(brief)).toEqual(["stuck fail_and_delete done"]);
    expect(deletes(w.h)).toEqual([server?.id]);
    expect(w.deps.store.require(instance.id)).toMatchObject({
      status: "failed",
      failureReason: "the install was interrupted by a restart of ccc",
    });
    expect(w.notes.summary()).toEqual([`provision_abandoned ${instance.id}`]);
  });

  it("fails a creating row whose server never came, with nothing to delete", async () => {
    const t0 = w.clock.now().getTime();
    const { instance } = await plant(w.deps, { minutes: 240, status: "creating", server: false });
    w.clock.set(t0 + 1 * MINUTE);
    expect((await runReconcile(w.deps, GRACE)).findings).toEqual([]); // could still be starting
    w.clock.set(t0 + 3 * MINUTE);
    const summary = await runReconcile(w.deps, GRACE);
    expect(summary.findings.map(brief)).toEqual(["stuck fail done"]);
    expect(w.deps.store.require(instance.id).status).toBe("failed");
    expect(deletes(w.h)).toEqual([]);
    expect(w.notes.summary()).toEqual([`provision_abandoned ${instance.id}`]);
  });

  it("leaves alone a provision another process is running (it holds the lease)", async () => {
    const t0 = w.clock.now().getTime();
    const { instance } = await plant(w.deps, { minutes: 240, status: "installing" });
    const other = w.otherProcess();
    const lease = takeLease(other.deps, instanceLease(instance.id));
    w.clock.set(t0 + 30 * MINUTE);
    expect((await runReconcile(w.deps, GRACE)).findings).toEqual([]);
    expect(w.deps.store.require(instance.id).status).toBe("installing");
    expect(deletes(w.h)).toEqual([]);
    lease?.release();
    expect((await runReconcile(w.deps, GRACE)).findings.map(brief)).toEqual(["stuck fail_and_delete done"]);
  });

  it("takes over once the lease of a process that died lapses", async () => {
    const t0 = w.clock.now().getTime();
    const { instance } = await plant(w.deps, { minutes: 240, status: "installing" });
    // The dead process's clock never moves again, so it never renews.
    const dead = w.otherProcess(new FakeClock(t0));
    expect(takeLease(dead.deps, instanceLease(instance.id))).not.toBeNull();
    w.clock.set(t0 + LEASE_TTL_MS - 1);
    expect((await runReconcile(w.deps, GRACE)).findings).toEqual([]);
    w.clock.set(t0 + LEASE_TTL_MS);
    expect((await runReconcile(w.deps, GRACE)).findings.map(brief)).toEqual(["stuck fail_and_delete done"]);
  });
});
