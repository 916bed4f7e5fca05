// A lifecycle test world: the real harness (fake Hetzner over HTTP, SQLite file, stand-in installer)
// with core composed on a FakeClock and a recording notifier, plus helpers that plant instances
// and servers the way a provision (or a crash, or a lost database) would leave them.

import { HetznerClient } from "../../src/adapters/hetzner/hetzner-client.ts";
import { systemClock } from "../../src/adapters/system-clock.ts";
import { serverLabels } from "../../src/core/cloud/server-labels.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import { type Instance, newInstanceId } from "../../src/core/instances/instance.ts";
import type { CloudServer } from "../../src/core/ports/cloud.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { FAST_HETZNER, type Harness, startHarness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";

export const MINUTE = 60_000;

export interface World {
  h: Harness;
  clock: FakeClock;
  notes: RecordingNotifier;
  deps: CoreDeps;
  /** Another process on the same database, with its own notifier (and the same clock unless given). */
  otherProcess(clock?: FakeClock): { deps: CoreDeps; notes: RecordingNotifier };
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const h = await startHarness();
  const clock = new FakeClock(Date.now());
  const compose = (c: FakeClock, notes: RecordingNotifier) =>
    // Hetzner's client keeps real time for its retry and poll waits: only ccc's decisions run on the fake clock.
    h.compose({ clock: c, notifier: notes, cloud: realTimeCloud(h) });
  const notes = new RecordingNotifier();
  return {
    h,
    clock,
    notes,
    deps: compose(clock, notes),
    otherProcess: (c = clock) => {
      const other = new RecordingNotifier();
      return { deps: compose(c, other), notes: other };
    },
    close: () => h.close(),
  };
}

export function realTimeCloud(h: Harness): HetznerClient {
  return new HetznerClient({
    endpoint: h.cloud.url,
    token: h.cloud.token,
    clock: systemClock,
    ...FAST_HETZNER,
  });
}

const userKey = makeKeyPair("user@laptop").publicKey;

export interface Plant {
  owner?: string;
  id?: string;
  createdAt?: Date;
  /** Lifetime from `createdAt`. */
  minutes: number;
  status?: "creating" | "installing" | "ready";
  /** Create the server at the fake cloud (default true). */
  server?: boolean;
  /** Write the server id into the row (default: unless status is `creating`, as after a crash right after the create call). */
  recordServer?: boolean;
}

/** Records an instance as a provision would, with its labelled server at the fake cloud. */
export async function plant(
  deps: CoreDeps,
  p: Plant,
): Promise<{ instance: Instance; server: CloudServer | null }> {
  const id = p.id ?? newInstanceId();
  const createdAt = p.createdAt ?? deps.clock.now();
  const expiresAt = new Date(createdAt.getTime() + p.minutes * MINUTE);
  deps.store.add(
    {
      id,
      owner: p.owner ?? "U0ALICE",
      ownerEmail: null,
      sshKeys: [userKey],
      sshKeyFingerprint: "SHA256:test",
      serverType: deps.policy.defaultServerType,
      location: deps.policy.defaultLocation,
      createdAt,
      expiresAt,
    },
    { actor: "test", kind: "requested" },
  );
  const server = p.server === false ? null : (await createLabelled(deps, id, expiresAt)).server;
  const status = p.status ?? "ready";
  const record = p.recordServer ?? status !== "creating";
  const patch = {
    ...(status === "creating" ? {} : { status }),
    ...(server && record ? { hetznerServerId: server.id, ipv4: server.ipv4, ipv6: server.ipv6 } : {}),
    ...(status === "ready" ? { readyAt: createdAt } : {}),
  };
  const instance =
    Object.keys(patch).length > 0
      ? deps.store.update(id, patch, { actor: "test", kind: status })
      : deps.store.require(id);
  return { instance, server };
}

/** A server labelled as ccc labels them, made straight through the cloud API (as a lost row would leave it). */
export function createLabelled(deps: CoreDeps, id: string, expiresAt: Date, owner = "U0ORPHAN") {
  return deps.cloud.createServer({
    name: id,
    serverType: deps.policy.defaultServerType,
    image: deps.policy.image,
    location: deps.policy.defaultLocation,
    sshKeys: [],
    labels: serverLabels({ id, owner, expiresAt }),
  });
}

/** DELETE requests that reached the fake cloud, as server ids. */
export function deletes(h: Harness): number[] {
  return h.cloud.requests.filter((r) => r.method === "DELETE").map((r) => Number(r.path.split("/")[2]));
}
