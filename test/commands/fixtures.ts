// Light worlds for the verb tests: a real SQLite store on a fixed clock, and a cloud that is either
// the fake Hetzner over HTTP or a stand-in that fails the test if anything reaches for it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HetznerClient } from "../../src/adapters/hetzner/hetzner-client.ts";
import { OnDemandCloud } from "../../src/adapters/on-demand.ts";
import { systemClock } from "../../src/adapters/system-clock.ts";
import type { CommandContext } from "../../src/commands/context.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { type Instance, newInstanceId } from "../../src/core/instances/instance.ts";
import type { CloudApi } from "../../src/core/ports/cloud.ts";
import { type FakeHetzner, startFakeHetzner } from "../../stand-ins/fake-hetzner.ts";
import { buildCoreDeps } from "../helpers/core-deps.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { FAST_HETZNER } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";

export const NOW = new Date("2026-11-25T12:00:00Z");
export const HOUR = 3_600_000;
export const ALICE: Actor = { id: "U0ALICE", isAdmin: false };
export const BOB: Actor = { id: "U0BOB", isAdmin: false };
export const ADMIN: Actor = { id: "U0ADMIN", isAdmin: true };

/** An instance as the store would hand it out, ready for two hours from NOW. */
export function anInstance(patch: Partial<Instance> = {}): Instance {
  return {
    id: "ccc-abcdef",
    owner: ALICE.id,
    ownerEmail: null,
    sshKeys: ["ssh-ed25519 AAAA test"],
    sshKeyFingerprint: "SHA256:test",
    serverType: "cx23",
    location: "fsn1",
    hetznerServerId: 42,
    ipv4: "203.0.113.7",
    ipv6: "2001:db8::1",
    status: "ready",
    failureReason: null,
    createdAt: new Date(NOW.getTime() - HOUR),
    readyAt: new Date(NOW.getTime() - HOUR + 300_000),
    expiresAt: new Date(NOW.getTime() + 2 * HOUR),
    deletedAt: null,
    hostKey: null,
    ...patch,
  };
}

export interface StoreWorld {
  deps: CoreDeps;
  clock: FakeClock;
  notes: RecordingNotifier;
  fake: FakeHetzner | null;
  ctx(actor: Actor): CommandContext;
  /** Records an instance as a provision would (no server), then applies `patch`. */
  plant(owner: string, patch?: Parameters<CoreDeps["store"]["update"]>[1]): Instance;
  close(): Promise<void>;
}

/** A cloud that fails the test if anything calls it. */
const noCloud = (): CloudApi =>
  new OnDemandCloud(async () => {
    throw new Error("this test must not reach the cloud");
  });

export async function startStoreWorld(options: { fakeHetzner?: boolean } = {}): Promise<StoreWorld> {
  const dir = mkdtempSync(join(tmpdir(), "ccc-verb-"));
  const clock = new FakeClock(NOW);
  const notes = new RecordingNotifier();
  const fake = options.fakeHetzner ? await startFakeHetzner() : null;
  const cloud = fake
    ? // Hetzner's client waits in real time; only ccc's decisions run on the fake clock.
      new HetznerClient({ endpoint: fake.url, token: fake.token, clock: systemClock, ...FAST_HETZNER })
    : noCloud();
  const deps = buildCoreDeps(
    { CCC_DB_PATH: join(dir, "ccc.db") },
    {
      clock,
      notifier: notes,
      cloud,
    },
  );
  const key = makeKeyPair().publicKey;
  return {
    deps,
    clock,
    notes,
    fake,
    ctx: (actor) => ({ deps, actor }),
    plant: (owner, patch = {}) => {
      const id = newInstanceId();
      deps.store.add(
        {
          id,
          owner,
          ownerEmail: null,
          sshKeys: [key],
          sshKeyFingerprint: "SHA256:test",
          serverType: "cx23",
          location: "fsn1",
          createdAt: clock.now(),
          expiresAt: new Date(clock.now().getTime() + 2 * HOUR),
        },
        { actor: "test", kind: "requested" },
      );
      return Object.keys(patch).length > 0
        ? deps.store.update(id, patch, { actor: "test", kind: "planted" })
        : deps.store.require(id);
    },
    close: async () => {
      deps.store.close();
      await fake?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error a call throws (sync or async), for assertions on its class, message, code and field. */
export async function caught(work: () => unknown): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected it to throw");
}
