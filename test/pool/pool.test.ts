// The warm pool end to end: a refill installs machines with no owner at the fake Hetzner through the
// stand-in installer; a provision claims one and hands it over through a real sshd; a failed handover
// deletes the machine and falls back to a full install; ageing and a new flake replace members.
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { progressText, provision } from "../../src/commands/provision.ts";
import { PROJECT_ROOT } from "../../src/config.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import { SYSTEM_ACTOR } from "../../src/core/instances/actor.ts";
import { poolOutcomeOf } from "../../src/core/pool/pool-outcome.ts";
import { refillPool } from "../../src/core/pool/refill.ts";
import { startProvision } from "../../src/core/provision/start-provision.ts";
import { parseSshPublicKey } from "../../src/core/ssh-key/ssh-key.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { OffsetClock } from "../helpers/offset-clock.ts";
import { perTest } from "../helpers/per-test.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { startPoolWorld } from "./pool-world.ts";

const w = perTest(
  () => startPoolWorld({}),
  (world) => {
    // Every server is an instance's or a pool member's.
    const members = new Set(world.deps.store.pool.list().map((m) => `pool-${m.id}`));
    expect(world.h.strayServers().filter((s) => !members.has(s.name))).toEqual([]);
  },
);

const alice = { id: "alice", isAdmin: false };
const ask = (key = makeKeyPair().publicKey) =>
  provision(
    { deps: w.deps, actor: alice },
    { owner: "alice", sshKey: key, serverType: "cx23", location: "fsn1" },
  );

const live = () => w.h.cloud.servers().filter((s) => s.status !== "deleting");

describe("the warm pool", () => {
  it("fills to CCC_POOL with machines that belong to nobody, labelled as the pool's", async () => {
    const summary = await refillPool(w.deps);
    expect(summary).toMatchObject({ busy: false, installed: 2, failed: 0, retired: 0 });
    const members = w.deps.store.pool.list();
    expect(members.map((m) => [m.serverType, m.location, m.state])).toEqual([
      ["cx23", "fsn1", "ready"],
      ["cx23", "fsn1", "ready"],
    ]);
    expect(w.deps.store.list()).toEqual([]);
    const servers = live();
    expect(servers.map((s) => s.name).sort()).toEqual(members.map((m) => `pool-${m.id}`).sort());
    for (const s of servers) {
      expect(s.labels).toMatchObject({ "managed-by": "ccc", "ccc-pool": "true" });
      expect(Number(s.labels["ccc-expires-at"])).toBeGreaterThan(Date.now() / 1000 + 24 * 3600);
      expect(s.labels["ccc-instance"]).toBeUndefined();
    }
    // Installed like a user's machine: a host key of ccc's making, with no owner's key in it.
    const calls = w.h.installer.calls();
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(
        call.extraFiles?.some((f) => f.path === "etc/ssh/ssh_host_ed25519_key" && f.mode === "600"),
      ).toBe(true);
      expect(JSON.parse(call.instanceJson ?? "{}").userSshKey).toMatch(/^ssh-ed25519 /);
    }
    // Full: a second pass installs nothing.
    expect(await refillPool(w.deps)).toMatchObject({ installed: 0, failed: 0 });
  });

  it("installs at most CCC_POOL_MAX_PARALLEL_INSTALLS at once", async () => {
    const world = await startPoolWorld({ CCC_POOL: "cx23@fsn1=3", CCC_POOL_MAX_PARALLEL_INSTALLS: "2" });
    try {
      world.h.installer.behave({ held: true });
      const pass = refillPool(world.deps);
      await waitForState(() => world.h.installer.calls().length === 2, 10_000, "two installs");
      // The third member is recorded only when a slot frees up.
      expect(world.deps.store.pool.list().map((m) => m.state)).toEqual(["installing", "installing"]);
      world.h.installer.release();
      expect(await pass).toMatchObject({ installed: 3 });
    } finally {
      await world.close();
    }
  });

  it("deletes the server of an install that fails", async () => {
    w.h.installer.behave({ exitCode: 1 });
    expect(await refillPool(w.deps)).toMatchObject({ installed: 0, failed: 2 });
    expect(w.deps.store.pool.list()).toEqual([]);
    expect(live()).toEqual([]);
  });

  it.skipIf(sshdMissingReason !== null)(
    "hands a ready machine to a provision: owner, key and expiry pushed, renamed and relabelled in one request",
    async () => {
      await refillPool(w.deps);
      await w.bootMachines();
      const before = w.h.installer.calls().length;
      const members = w.deps.store.pool.list().map((m) => m.id);
      const key = makeKeyPair().publicKey;
      const requestsBefore = w.h.cloud.requests.length;
      const ready = await ask(key);
      const claimRequests = w.h.cloud.requests.slice(requestsBefore);

      expect(members).toContain(ready.id);
      expect(poolOutcomeOf(ready)).toBe("hit");
      expect(ready.status).toBe("ready");
      expect(w.h.installer.calls()).toHaveLength(before);
      expect(claimRequests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `PUT /servers/${ready.hetznerServerId}`,
      ]);
      const server = live().find((s) => s.id === ready.hetznerServerId);
      expect(server?.name).toBe(ready.id);
      expect(server?.labels).toEqual({
        "managed-by": "ccc",
        "ccc-instance": ready.id,
        "ccc-expires-at": String(Math.floor(ready.expiresAt.getTime() / 1000)),
        "ccc-owner": ready.owner,
      });
      const state = w.machineState(ready.ipv4 ?? "");
      expect(state).toMatchObject({
        instanceId: ready.id,
        owner: "alice",
        expiresAt: ready.expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
        authorizedKeys: [ready.sshKeys[0]],
      });
      expect(w.deps.store.pool.get(ready.id)).toBeNull();
      expect(w.deps.store.events(ready.id).map((e) => e.kind)).toEqual(["requested", "claimed", "ready"]);
    },
  );

  it.skipIf(sshdMissingReason !== null)("says so at the CLI: ready in N s from the pool", async () => {
    await refillPool(w.deps);
    await w.bootMachines();
    const made = await runCcc(w.h, ["provision", "--ssh-key", makeKeyPair().publicKey, "--type", "cx23"]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/Ready in \d+ s from the pool\./);
    expect(made.stderr).toContain("[from the warm pool]");
    const json = await runCcc(w.h, ["provision", "--ssh-key", makeKeyPair().publicKey, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: "ready", fromPool: true });
  });

  it.skipIf(sshdMissingReason !== null)(
    "gives one machine to one of two requests at once; the other is installed afresh",
    async () => {
      const world = await startPoolWorld({ CCC_POOL: "cx23@fsn1=1" });
      try {
        await refillPool(world.deps);
        await world.bootMachines();
        const [member] = world.deps.store.pool.list();
        const both = await Promise.all(
          [0, 1].map(() =>
            provision(
              { deps: world.deps, actor: alice },
              {
                owner: `u${Math.random().toString(36).slice(2, 8)}`,
                sshKey: makeKeyPair().publicKey,
                serverType: "cx23",
                location: "fsn1",
              },
            ),
          ),
        );
        expect(both.map((i) => poolOutcomeOf(i) ?? "install").sort()).toEqual(["hit", "install"]);
        expect(both.filter((i) => i.id === member?.id)).toHaveLength(1);
        expect(new Set(both.map((i) => i.hetznerServerId)).size).toBe(2);
        expect(both.every((i) => i.status === "ready")).toBe(true);
      } finally {
        await world.close();
      }
    },
  );

  it.skipIf(sshdMissingReason !== null)(
    "deletes a machine whose handover fails and installs a fresh one, telling the user",
    async () => {
      await refillPool(w.deps);
      await w.bootMachines();
      w.machinesBehave("refuse");
      const serversBefore = live().map((s) => s.id);
      const notes: string[] = [];
      const ready = await provision(
        { deps: w.deps, actor: alice },
        { owner: "alice", sshKey: makeKeyPair().publicKey, serverType: "cx23", location: "fsn1" },
        (progress) => notes.push(progressText(progress)),
      );
      expect(ready.status).toBe("ready");
      expect(poolOutcomeOf(ready)).toBe("fallback");
      // The pool machine is gone, never handed out; the instance runs on a server of its own.
      const claimedServer = serversBefore.find((id) => !live().some((s) => s.id === id));
      expect(claimedServer).toBeDefined();
      expect(serversBefore).not.toContain(ready.hetznerServerId);
      expect(w.deps.store.pool.get(ready.id)).toBeNull();
      expect(w.deps.store.events(ready.id).map((e) => e.kind)).toContain("pool_claim_failed");
      expect(w.h.installer.calls()).toHaveLength(3);
      expect(notes.join("\n")).toContain("could not be handed over");
    },
  );

  it("replaces members older than CCC_POOL_MAX_AGE_HOURS and never hands them out", async () => {
    const clock = new OffsetClock();
    const world = await startPoolWorld({ CCC_POOL: "cx23@fsn1=1", CCC_POOL_MAX_AGE_HOURS: "2" }, { clock });
    try {
      await refillPool(world.deps);
      const [old] = world.deps.store.pool.list();
      clock.advance(2 * 3_600_000);
      // Too old to hand out: a request now is installed afresh.
      const recorded = await request(world.deps, "bob");
      expect(recorded.id).not.toBe(old?.id);
      expect(world.deps.store.pool.get(old?.id ?? "")?.state).toBe("ready");
      world.deps.store.update(recorded.id, { status: "failed" }, { actor: "test", kind: "failed" });
      expect(await refillPool(world.deps)).toMatchObject({ retired: 1, installed: 1 });
      const [fresh] = world.deps.store.pool.list();
      expect(fresh?.id).not.toBe(old?.id);
      expect(
        world.h.cloud.servers().some((s) => s.id === old?.hetznerServerId && s.status !== "deleting"),
      ).toBe(false);
    } finally {
      await world.close();
    }
  });

  it("replaces members built from another project flake", async () => {
    const flake = mkdtempSync(join(tmpdir(), "ccc-flake-"));
    cpSync(join(PROJECT_ROOT, "nix", "flake.nix"), join(flake, "flake.nix"));
    const world = await startPoolWorld({ CCC_POOL: "cx23@fsn1=1", CCC_FLAKE_DIR: flake });
    try {
      await refillPool(world.deps);
      const [old] = world.deps.store.pool.list();
      writeFileSync(join(flake, "flake.lock"), '{"version":7}\n');
      // A request now does not get the outdated machine: it is installed afresh.
      const recorded = await request(world.deps, "bob");
      expect(recorded.id).not.toBe(old?.id);
      world.deps.store.update(recorded.id, { status: "failed" }, { actor: "test", kind: "failed" });
      expect(await refillPool(world.deps)).toMatchObject({ retired: 1, installed: 1 });
      expect(world.deps.store.pool.list().map((m) => m.id)).not.toContain(old?.id);
    } finally {
      await world.close();
    }
  });
});

/** Records a request as every door does (claiming a pool machine when one fits), without building it. */
function request(deps: CoreDeps, owner: string) {
  return startProvision(deps, SYSTEM_ACTOR, {
    owner,
    ownerEmail: null,
    key: parseSshPublicKey(makeKeyPair().publicKey),
    serverType: "cx23",
    location: "fsn1",
  });
}
