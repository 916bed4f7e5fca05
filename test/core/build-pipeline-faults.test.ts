// One fault table, three sources. The build pipeline (src/core/build) makes a machine ready from a fresh
// install, a warm pool machine or a snapshot image; every fault below is injected into each source with the
// fake Hetzner, real OpenSSH servers running the real on-machine command (ccc-apply), and the stand-in
// installer, and every run must end with the same guarantees:
// - nothing runs at Hetzner that the store does not record (as a live instance's server or a pool member's);
// - every live server's labels say what the store says (instance, expiry);
// - a failure is told in plain words: the reason recorded and shown is free of upstream text and paths.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildMachine } from "../../src/core/build/build-machine.ts";
import type { BuildEvent } from "../../src/core/build/build-progress.ts";
import { type BuildSource, provisionSource } from "../../src/core/build/build-source.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { deprovision } from "../../src/core/instances/deprovision.ts";
import { extend } from "../../src/core/instances/extend.ts";
import { type Instance, isLive } from "../../src/core/instances/instance.ts";
import { runReconcile } from "../../src/core/lifecycle/reconcile.ts";
import { HOST_KEY_FILE } from "../../src/core/machine/extra-files.ts";
import { generateHostKey, type HostKeyPair } from "../../src/core/machine/host-key.ts";
import { refillPool } from "../../src/core/pool/refill.ts";
import { progressStream } from "../../src/core/progress.ts";
import { describeFailure, ProvisionError } from "../../src/core/provision/provision-failure.ts";
import { startProvision } from "../../src/core/provision/start-provision.ts";
import { startRestore } from "../../src/core/snapshots/restore.ts";
import { saveMachine } from "../../src/core/snapshots/save.ts";
import { parseSshPublicKey } from "../../src/core/ssh-key/ssh-key.ts";
import type { FakeServer } from "../../stand-ins/fake-hetzner.ts";
import { type FakeSshd, sshdMissingReason, startSshd } from "../../stand-ins/sshd.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { holdCalls } from "../helpers/hold.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { OffsetClock } from "../helpers/offset-clock.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";
import { plant } from "../lifecycle/world.ts";

const NIX_DIR = resolve(import.meta.dirname, "../../nix");
const CCC_APPLY = join(NIX_DIR, "packages/ccc-apply/ccc-apply.mjs");
const FAKE_BIN = resolve(import.meta.dirname, "../../stand-ins/bin");
const ALICE: Actor = { id: "U0ALICE", isAdmin: false };
const SOURCES = ["fresh", "pool", "snapshot"] as const;
type SourceKind = (typeof SOURCES)[number];

/** A test world: the harness with SSH decided per server, and the machines that booted. */
interface World {
  h: Harness;
  deps: CoreDeps;
  notifier: RecordingNotifier;
  /** New servers get no SSH at all (the port refuses). */
  refuseSsh: boolean;
  /** The id each machine's disk claims (ccc-apply refuses a document for another id); default its own. */
  diskId: string | null;
  /** The saved machine's id: a disk booted from its snapshot knows itself by it. */
  savedId: string;
  /** The saved machine's host key, shown by servers booted from its snapshot. */
  savedKey: HostKeyPair;
  machines: Promise<FakeSshd>[];
  bootPoolMembers(): Promise<void>;
}

let w: World;
afterEach(async () => {
  await Promise.all(w.machines.splice(0).map(async (m) => (await m).stop()));
  await w.h.close();
});

async function world(): Promise<World> {
  const notifier = new RecordingNotifier();
  // `savedId`: the saved machine's id, which a disk restored from its snapshot still knows itself by.
  const state = { refuseSsh: false, diskId: null as string | null, savedId: "" };
  const machines: Promise<FakeSshd>[] = [];
  const savedKey = generateHostKey("root@saved");
  let deps!: CoreDeps;
  let h!: Harness;
  /** Real ccc-apply under a folder per machine, with the files the install leaves for it. */
  const sshd = (ip: string, id: string, hostKey: Pick<HostKeyPair, "privateKey" | "publicKey">) => {
    const root = join(h.dir, "machines", ip);
    mkdirSync(join(root, "etc/cloud-instance"), { recursive: true });
    writeFileSync(join(root, "etc/cloud-instance/instance-id"), `${state.diskId ?? id}\n`);
    writeFileSync(join(root, "etc/group"), "root:x:0:\nccc-secrets:x:4242:claude\n");
    copyFileSync(join(NIX_DIR, "CLAUDE.cloud-instance.md"), join(root, "etc/cloud-instance/CLAUDE.md.in"));
    const started = startSshd({
      authorizedKeys: [deps.operatorKey.publicKey],
      hostKey,
      forced: {
        program: CCC_APPLY,
        root,
        env: {
          PATH: `${FAKE_BIN}${delimiter}${process.env.PATH}`,
          FAKE_TOOLS_LOG: join(h.dir, "machines", `${ip}.tools.jsonl`),
          FAKE_MOUNT_TABLE: join(h.dir, "machines", `${ip}.mounts.json`),
        },
      },
      host: ip,
      port: deps.timing.sshPort,
    });
    machines.push(started);
    return started;
  };
  h = await startHarness({
    manualSsh: true,
    env: { CCC_POOL: "cx23@fsn1=1", CCC_SSH_WAIT_SECONDS: "2" },
    compose: { notifier },
    cloud: {
      onServerRunning: (server: FakeServer) => {
        if (state.refuseSsh) return;
        const ip = server.public_net.ipv4.ip;
        // Booted from a snapshot: the saved NixOS system, with the saved host key, answers at once.
        if (server.image.type === "snapshot") void sshd(ip, state.savedId, savedKey);
        // A fresh server (an instance's or a pool member's): the installer's SSH, until NixOS takes over.
        else void h.ssh.open(ip);
      },
    },
  });
  deps = h.deps;
  return {
    h,
    deps,
    notifier,
    get refuseSsh() {
      return state.refuseSsh;
    },
    set refuseSsh(v: boolean) {
      state.refuseSsh = v;
    },
    get diskId() {
      return state.diskId;
    },
    set diskId(v: string | null) {
      state.diskId = v;
    },
    set savedId(v: string) {
      state.savedId = v;
    },
    savedKey,
    machines,
    bootPoolMembers: async () => {
      for (const member of deps.store.pool.list()) {
        const ip = member.ipv4;
        if (member.state !== "ready" || !ip) continue;
        await h.ssh.closeHost(ip);
        const target = h.installer.targetRoot(ip);
        await sshd(ip, member.id, {
          privateKey: readFileSync(join(target, HOST_KEY_FILE), "utf8"),
          publicKey: readFileSync(join(target, `${HOST_KEY_FILE}.pub`), "utf8"),
        });
      }
    },
  };
}

/** Records a request of the given source (the pool filled and its machine booted; a machine saved). */
async function record(kind: SourceKind): Promise<{ recorded: Instance; source: BuildSource }> {
  const { deps } = w;
  if (kind === "snapshot") {
    const { instance } = await plant(deps, { owner: ALICE.id, minutes: 120 });
    deps.store.update(instance.id, { hostKey: w.savedKey.publicKey }, { actor: "test", kind: "installed" });
    const saved = await saveMachine(deps, ALICE, instance.id);
    expect(saved.kind).toBe("saved");
    w.savedId = instance.id;
    const { instance: recorded, snapshot } = await startRestore(deps, ALICE, { snapshotId: instance.id });
    return { recorded, source: { kind: "snapshot", image: snapshot } };
  }
  if (kind === "pool") {
    expect(await refillPool(deps)).toMatchObject({ installed: 1, failed: 0 });
    await w.bootPoolMembers();
  }
  const recorded = await startProvision(deps, ALICE, {
    owner: ALICE.id,
    ownerEmail: null,
    key: parseSshPublicKey(makeKeyPair().publicKey),
    serverType: "cx23",
    location: "fsn1",
  });
  const source = provisionSource(deps, recorded);
  expect(source.kind).toBe(kind);
  return { recorded, source };
}

/**
 * Runs the build to its end, read as the event stream a long-running verb returns (core's adapter
 * over the pipeline's `emit`): the ready machine, or the ProvisionError it threw.
 */
async function build(recorded: Instance, source: BuildSource, events: BuildEvent[] = []) {
  const stream = progressStream<BuildEvent, Instance>((emit) => buildMachine(w.deps, recorded, source, emit));
  try {
    for (;;) {
      const next = await stream.next();
      if (next.done) return { ready: next.value, error: null };
      events.push(next.value);
    }
  } catch (error) {
    return { ready: null, error };
  }
}

/** The same three guarantees after every fault, for every source. */
function guarantees(deps: CoreDeps = w.deps): void {
  const members = new Map(deps.store.pool.list().map((m) => [m.hetznerServerId, m]));
  for (const server of w.h.cloud.servers()) {
    // Nothing running that is not recorded: a live instance's server, or a pool member's.
    const row = deps.store.get(server.name);
    const member = members.get(server.id);
    if (member) {
      expect(server.name).toBe(`pool-${member.id}`);
      continue;
    }
    expect(row && isLive(row.status), `${server.name} runs, recorded as ${row?.status}`).toBe(true);
    expect(row?.hetznerServerId).toBe(server.id);
    // Label = store.
    expect(server.labels["ccc-instance"]).toBe(row?.id);
    expect(server.labels["ccc-owner"]).toBe(row?.owner);
    expect(server.labels["ccc-expires-at"]).toBe(
      String(Math.floor((row as Instance).expiresAt.getTime() / 1000)),
    );
  }
}

/** A failure is said in plain words: recorded on the row and carried by the error the doors show. */
function toldPlainly(id: string, error: unknown): string {
  expect(error).toBeInstanceOf(ProvisionError);
  const failure = (error as ProvisionError).failure;
  const row = w.deps.store.require(id);
  expect(row.status).toBe("failed");
  expect(row.failureReason).toBe(failure.reason);
  const said = describeFailure(failure);
  expect(said).not.toMatch(/https?:|\/v1\/|\b(POST|PUT|GET)\b|ECONN|\/tmp\/|\/var\/|Error:|\{/);
  return failure.reason;
}

/** A build that ended ready: the machine's own state agrees with the store, then it is deleted. */
async function readyAndGone(ready: Instance | null): Promise<void> {
  expect(ready?.status).toBe("ready");
  const row = w.deps.store.require((ready as Instance).id);
  expect(row.status).toBe("ready");
  guarantees();
  await deprovision(w.deps, ALICE, row.id);
}

const posts = () => w.h.cloud.requests.filter((r) => r.method === "POST" && r.path === "/servers");

describe.skipIf(sshdMissingReason !== null)("one build pipeline, one fault table, three sources", () => {
  describe.each(SOURCES)("from %s", (kind) => {
    it("create lost: Hetzner does the write but its answer is lost; the retry's server is adopted", async () => {
      w = await world();
      const { recorded, source } = await record(kind);
      const before = w.h.cloud.servers().length;
      // The write that makes the server the instance's: the create, or for a pool machine its rename.
      const member = kind === "pool" ? w.deps.store.pool.get(recorded.id) : null;
      const path = member ? `/servers/${member.hetznerServerId}` : "/servers";
      w.h.cloud.failNext({ method: member ? "PUT" : "POST", path }, { lostAnswer: true });
      const events: BuildEvent[] = [];
      const { ready, error } = await build(recorded, source, events);
      expect(error).toBeNull();
      // The same typed steps from every source (a pool machine has no server to create or wait for).
      expect([...new Set(events.map((e) => e.step))]).toEqual(
        kind === "pool"
          ? ["installing", "ready"]
          : ["creating_server", "waiting_for_ssh", "installing", "ready"],
      );
      expect(events.every((e) => e.instance.id === recorded.id && e.elapsedMs >= 0)).toBe(true);
      // One server for the instance, no second one made by the retry.
      expect(
        w.h.cloud
          .servers()
          .filter((s) => s.name === recorded.id)
          .map((s) => s.id),
      ).toEqual([ready?.hetznerServerId]);
      if (kind === "pool") expect(w.h.cloud.servers()).toHaveLength(before);
      else expect(posts().filter((p) => (p.body as { name: string }).name === recorded.id)).toHaveLength(2);
      await readyAndGone(ready);
    });

    it("Hetzner 503s every retry of that write: nothing spent on a fresh or restored server, a pool machine is installed afresh", async () => {
      w = await world();
      const { recorded, source } = await record(kind);
      const member = kind === "pool" ? w.deps.store.pool.get(recorded.id) : null;
      const path = member ? `/servers/${member.hetznerServerId}` : "/servers";
      w.h.cloud.failNext(
        { method: member ? "PUT" : "POST", path },
        { status: 503, code: "unavailable", message: "upstream 10.0.0.7 is down" },
        6,
      );
      const { ready, error } = await build(recorded, source);
      if (kind === "pool") {
        // The pool machine is deleted and a fresh install takes its place.
        expect(error).toBeNull();
        expect(w.deps.store.pool.get(recorded.id)).toBeNull();
        expect(w.deps.store.events(recorded.id).map((e) => e.kind)).toContain("pool_claim_failed");
        await readyAndGone(ready);
        return;
      }
      const reason = toldPlainly(recorded.id, error);
      expect(reason).not.toContain("10.0.0.7");
      expect((error as ProvisionError).failure.server).toBe("none");
      expect(w.h.cloud.servers()).toEqual([]);
      guarantees();
    });

    it("SSH refused: the server is deleted and the person told", async () => {
      w = await world();
      const { recorded, source } = await record(kind);
      // From now on no new server answers SSH, and a pool machine's sshd is gone.
      w.refuseSsh = true;
      await Promise.all(w.machines.splice(0).map(async (m) => (await m).stop()));
      const { error } = await build(recorded, source);
      toldPlainly(recorded.id, error);
      expect((error as ProvisionError).failure).toMatchObject({ server: "deleted", step: "waiting_for_ssh" });
      expect(w.h.cloud.servers()).toEqual([]);
      // A pool machine that would not take the handover is deleted, not handed out later.
      expect(w.deps.store.pool.list()).toEqual([]);
      guarantees();
    });

    it("apply refused: the machine will not be made the person's", async () => {
      w = await world();
      // The fresh install's installer fails; ccc-apply on a pool machine or restored disk refuses (another id).
      w.diskId = "ccc-zzzzzz";
      const { recorded, source } = await record(kind);
      if (kind === "fresh")
        w.h.installer.behave({ exitCode: 1, errorOutput: "error: /nix/store/abc refused" });
      const { ready, error } = await build(recorded, source);
      if (kind === "pool") {
        // Refused by the pool machine: deleted, and the person gets a fresh install instead.
        expect(error).toBeNull();
        expect(w.deps.store.events(recorded.id).find((e) => e.kind === "pool_claim_failed")?.detail).toMatch(
          /refused|another machine/,
        );
        await readyAndGone(ready);
        return;
      }
      const reason = toldPlainly(recorded.id, error);
      expect(reason).not.toContain("/nix/store");
      expect((error as ProvisionError).failure).toMatchObject({ server: "deleted", step: "installing" });
      expect(w.h.cloud.servers()).toEqual([]);
      guarantees();
    });

    it("an extend while it is built: the label and the machine end with the store's expiry", async () => {
      w = await world();
      const { recorded, source } = await record(kind);
      // Held at the write that names the server the instance's: the create, or a pool machine's rename.
      const write = holdCalls(w.deps.cloud, kind === "pool" ? "renameServer" : "createServer");
      const building = build(recorded, source);
      await write.reached;
      const { instance: extended } = await extend(w.deps, ALICE, recorded.id, 2);
      expect(extended.expiresAt.getTime()).toBeGreaterThan(recorded.expiresAt.getTime());
      write.release();
      const { ready, error } = await building;
      expect(error).toBeNull();
      const row = w.deps.store.require(recorded.id);
      expect(row.expiresAt).toEqual(extended.expiresAt);
      // The machine itself: the installer baked it in (fresh), or ccc-apply's state shows it.
      if (kind !== "fresh") {
        const state = JSON.parse(
          readFileSync(
            join(w.h.dir, "machines", row.ipv4 as string, "var/lib/cloud-instance/state.json"),
            "utf8",
          ),
        );
        expect(state.expiresAt).toBe(row.expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z"));
      }
      await readyAndGone(ready);
    });

    it("process killed mid-build: the next process's reconcile settles it and tells the owner", async () => {
      w = await world();
      const { recorded, source } = await record(kind);
      // The process stops for good at the step that makes the machine the person's.
      const step =
        kind === "fresh" ? holdCalls(w.deps.installer, "install") : holdCalls(w.deps.machine, "apply");
      const events: BuildEvent[] = [];
      const dead = build(recorded, source, events);
      await step.reached;
      // The stream hands events on a little after they are emitted.
      await vi.waitFor(() => expect(events.at(-1)?.step).toBe("installing"));
      // Its server runs, recorded: nothing stray even while the process is gone.
      guarantees();
      // The next start: its own clock is past the dead process's lease and the stuck-row wait.
      const clock = new OffsetClock();
      clock.advance(3 * 60_000);
      const notifier = new RecordingNotifier();
      const next = w.h.compose({ clock, notifier });
      const summary = await runReconcile(next, { graceMinutes: 15 });
      expect(summary.findings.find((f) => f.instanceId === recorded.id)).toMatchObject({
        kind: "stuck",
        action: "fail_and_delete",
        outcome: "done",
      });
      const row = next.store.require(recorded.id);
      expect(row.status).toBe("failed");
      const told = notifier.notices.find((n) => n.kind === "provision_abandoned");
      expect(told && "failure" in told ? told.failure.reason : null).toBe(row.failureReason);
      expect(row.failureReason).toMatch(/interrupted by a restart of ccc/);
      // The dead build's server is deleted (a pool machine's too, named as the pool's); nothing else runs.
      expect(w.h.cloud.servers()).toEqual([]);
      guarantees(next);

      // Not dead after all, only stalled (a paused VM): it wakes up, and must not undo what was settled.
      step.release();
      const late = await dead;
      expect(late.ready).toBeNull();
      expect(next.store.require(recorded.id)).toMatchObject({
        status: "failed",
        failureReason: row.failureReason,
      });
      expect(w.h.cloud.servers()).toEqual([]);
      guarantees(next);
    });
  });
});
