// Reconcile and quotas with a warm pool: healthy pool machines are no orphans; broken ones (an install
// nobody is running, a server that vanished, a claim nobody finished, a pool server no member knows)
// are deleted; pool machines count against nobody's quota, and a refused request gives its machine back.
import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../src/core/instances/actor.ts";
import { newInstanceId } from "../../src/core/instances/instance.ts";
import { runReconcile } from "../../src/core/lifecycle/reconcile.ts";
import { poolExpiry, poolServerLabels, poolServerName } from "../../src/core/pool/pool-labels.ts";
import { refillPool } from "../../src/core/pool/refill.ts";
import { startProvision } from "../../src/core/provision/start-provision.ts";
import { parseSshPublicKey } from "../../src/core/ssh-key/ssh-key.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { OffsetClock } from "../helpers/offset-clock.ts";
import { perTest } from "../helpers/per-test.ts";
import { startPoolWorld } from "./pool-world.ts";

const clock = new OffsetClock();
const w = perTest(
  () => startPoolWorld({ CCC_MAX_INSTANCES_PER_USER: "1" }, { clock }),
  () => {},
);
const GRACE = { graceMinutes: 15 };
const live = () => w.h.cloud.servers().filter((s) => s.status !== "deleting");

/** A pool server made straight through the cloud API, as a crashed install would leave it. */
async function plantPoolServer(id: string) {
  const { server } = await w.deps.cloud.createServer({
    name: poolServerName(id),
    serverType: "cx23",
    image: w.deps.policy.image,
    location: "fsn1",
    sshKeys: [],
    labels: poolServerLabels(id, poolExpiry(clock.now(), 24)),
  });
  return server;
}

const request = (owner: string) =>
  startProvision(w.deps, SYSTEM_ACTOR, {
    owner,
    ownerEmail: null,
    key: parseSshPublicKey(makeKeyPair().publicKey),
    serverType: "cx23",
    location: "fsn1",
  });

describe("reconcile with a warm pool", () => {
  it("leaves ready pool machines alone: they are no orphans", async () => {
    await refillPool(w.deps);
    clock.advance(60 * 60_000);
    const { findings } = await runReconcile(w.deps, GRACE);
    expect(findings).toEqual([]);
    expect(live()).toHaveLength(2);
    expect(w.deps.store.pool.list().map((m) => m.state)).toEqual(["ready", "ready"]);
  });

  it("deletes a member left installing by a process that stopped, and its server", async () => {
    const id = newInstanceId();
    w.deps.store.pool.add({ id, serverType: "cx23", location: "fsn1", flakeHash: "x", at: clock.now() });
    const server = await plantPoolServer(id);
    w.deps.store.pool.serverCreated(id, server);
    const { findings } = await runReconcile(w.deps, GRACE);
    expect(findings).toMatchObject([
      { kind: "pool", instanceId: id, action: "delete_server", outcome: "done" },
    ]);
    expect(w.deps.store.pool.get(id)).toBeNull();
    expect(live()).toEqual([]);
  });

  it("forgets a ready member whose server is gone, and deletes a pool server no member knows", async () => {
    await refillPool(w.deps);
    const [gone, kept] = w.deps.store.pool.list();
    await w.deps.cloud.deleteServer(gone?.hetznerServerId ?? 0);
    w.h.cloud.settle();
    const stray = await plantPoolServer(newInstanceId());
    const { findings } = await runReconcile(w.deps, GRACE);
    expect(findings.map((f) => [f.kind, f.serverId, f.action, f.outcome]).sort()).toEqual(
      [
        ["pool", gone?.hetznerServerId, "mark_deleted", "done"],
        ["pool", stray.id, "delete_server", "done"],
      ].sort(),
    );
    expect(w.deps.store.pool.list().map((m) => m.id)).toEqual([kept?.id]);
    expect(live().map((s) => s.id)).toEqual([kept?.hetznerServerId]);
  });

  it("deletes a claimed member nobody handed over once past the grace, but not before", async () => {
    await refillPool(w.deps);
    const recorded = await request("alice");
    expect(w.deps.store.pool.get(recorded.id)?.state).toBe("claimed");
    expect((await runReconcile(w.deps, GRACE)).findings.filter((f) => f.kind === "pool")).toEqual([]);
    clock.advance(16 * 60_000);
    const { findings } = await runReconcile(w.deps, GRACE);
    expect(findings.filter((f) => f.kind === "pool")).toMatchObject([
      { instanceId: recorded.id, action: "delete_server", outcome: "done" },
    ]);
    expect(w.deps.store.pool.get(recorded.id)).toBeNull();
  });
});

describe("quotas with a warm pool", () => {
  it("counts pool machines against nobody, and gives a claimed machine back when the quota refuses", async () => {
    await refillPool(w.deps);
    // Two pool machines exist, yet alice (quota 1) may have one of her own.
    const first = await request("alice");
    expect(w.deps.store.pool.get(first.id)?.state).toBe("claimed");
    await expect(request("alice")).rejects.toThrow(/You already have 1 machine running/);
    // The refused request took nothing: one member is still ready for someone else.
    expect(
      w.deps.store.pool
        .list()
        .map((m) => m.state)
        .sort(),
    ).toEqual(["claimed", "ready"]);
    expect(w.deps.store.list({ owner: "alice" })).toHaveLength(1);
  });
});
