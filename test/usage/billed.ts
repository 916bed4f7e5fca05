// Machines as the audit trail records them, with prices chosen so the figures are easy to check.

import type { Actor } from "../../src/core/instances/actor.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { newInstanceId } from "../../src/core/instances/instance.ts";
import { startProvision } from "../../src/core/provision/start-provision.ts";
import { parseSshPublicKey } from "../../src/core/ssh-key/ssh-key.ts";
import type { StoreWorld } from "../commands/fixtures.ts";
import { makeKeyPair } from "../helpers/keys.ts";

export const HOUR = 3_600_000;
/** €0.10 an hour, €5.00 a month. */
export const TEN_CENTS = { hourly: "0.1000000000000000", monthly: "5.0000000000000000" };

/** What planting needs: a store and the clock its events are stamped with (a bot harness has both too). */
type World = Pick<StoreWorld, "deps" | "clock">;

export interface Billed {
  owner: string;
  serverType?: string;
  location?: string;
  price?: { hourly: string; monthly: string };
  /** Lifetime asked for, in hours (default 2). */
  hours?: number;
}

/** Records an instance with its price, and its server as made now: the bill starts here. */
export function startBilled(w: World, machine: Billed): Instance {
  const id = newInstanceId();
  const now = w.clock.now();
  w.deps.store.add(
    {
      id,
      owner: machine.owner,
      ownerEmail: null,
      sshKeys: ["ssh-ed25519 AAAA test"],
      sshKeyFingerprint: "SHA256:test",
      serverType: machine.serverType ?? "cx23",
      location: machine.location ?? "fsn1",
      createdAt: now,
      expiresAt: new Date(now.getTime() + (machine.hours ?? 2) * HOUR),
    },
    { actor: machine.owner, kind: "requested" },
    undefined,
    machine.price ?? TEN_CENTS,
  );
  return w.deps.store.update(
    id,
    { hetznerServerId: 1, status: "ready" },
    { actor: "ccc", kind: "server_created" },
  );
}

/** Deletes it now, as deprovision does. */
export function endBilled(w: World, id: string): Instance {
  return w.deps.store.remove(id, { actor: "ccc", kind: "deleted" }).instance;
}

/** A machine that ran from `from` for `minutes`, at `price`. */
export function ran(w: World, from: string, minutes: number, machine: Billed): Instance {
  w.clock.set(new Date(from));
  const started = startBilled(w, machine);
  w.clock.advance(minutes * 60_000);
  return endBilled(w, started.id);
}

const key = parseSshPublicKey(makeKeyPair().publicKey);

/** A request through the real provision checks (budgets included): a cx23 in fsn1 for `hours`. */
export function requestMachine(w: Pick<StoreWorld, "deps">, actor: Actor, hours: number) {
  return startProvision(w.deps, actor, {
    owner: actor.id,
    ownerEmail: null,
    key,
    hours,
    serverType: "cx23",
    location: "fsn1",
  });
}
