// Helpers for the volume tests: a machine with its owner's work volume, made the way ccc makes it.
import { deprovision } from "../../src/commands/deprovision.ts";
import { provision } from "../../src/commands/provision.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import type { Harness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";

export const ALICE = { id: "alice", isAdmin: false };
export const BOB = { id: "bob", isAdmin: false };
export const ADMIN = { id: "root", isAdmin: true };

/** A ready machine of `owner` with their volume (made on first use). */
export function machineWithVolume(deps: CoreDeps, owner = "alice"): Promise<Instance> {
  return provision(
    { deps, actor: { id: owner, isAdmin: false } },
    { owner, sshKey: makeKeyPair().publicKey, keepWork: true },
  );
}

/** The owner's volume in fsn1, left free by a machine that came and went; its cloud id. */
export async function freeVolume(h: Harness, owner = "alice"): Promise<number> {
  const { deps } = h;
  const machine = await machineWithVolume(deps, owner);
  await deprovision({ deps, actor: { id: owner, isAdmin: false } }, { id: machine.id });
  // Hetzner detaches the volume when the server's delete action ends.
  h.cloud.settle();
  return deps.store.workVolumes.open(owner, "fsn1")?.hetznerId ?? -1;
}

/** What a promise threw. */
export async function thrown(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
}
