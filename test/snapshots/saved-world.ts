// A lifecycle world with helpers for snapshots: a ready machine of someone's with its server at the
// fake and a pinned host key, saved through the real save.
import type { Actor } from "../../src/core/instances/actor.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { generateHostKey } from "../../src/core/machine/host-key.ts";
import { saveMachine } from "../../src/core/snapshots/save.ts";
import { plant, type World } from "../lifecycle/world.ts";

export const ALICE: Actor = { id: "U0ALICE", isAdmin: false };
export const BOB: Actor = { id: "U0BOB", isAdmin: false };
export const ADMIN: Actor = { id: "U0ADMIN", isAdmin: true };

/** A ready machine with its server and a pinned host key. */
export async function readyMachine(w: World, owner = ALICE.id, minutes = 120): Promise<Instance> {
  const { instance } = await plant(w.deps, { owner, minutes });
  const hostKey = generateHostKey(`root@${instance.id}`).publicKey;
  return w.deps.store.update(instance.id, { hostKey }, { actor: "test", kind: "installed" });
}

/** A machine saved (snapshot made, server deleted); answers the saved instance's id. */
export async function savedMachine(w: World, owner = ALICE.id): Promise<string> {
  const machine = await readyMachine(w, owner);
  const result = await saveMachine(w.deps, { id: owner, isAdmin: false }, machine.id);
  if (result.kind !== "saved") throw new Error(`save failed: ${result.reason}`);
  w.notes.clear();
  return machine.id;
}
