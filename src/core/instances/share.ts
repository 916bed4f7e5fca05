import type { CoreDeps } from "../deps.ts";
import { QuotaError, UserError } from "../errors.ts";
import { type PushOutcome, pushMachineState } from "../machine/push-state.ts";
import { parseSshPublicKey } from "../ssh-key/ssh-key.ts";
import { type Access, accessOf, authorizedKeysOf } from "./access.ts";
import { type Actor, instanceFor } from "./actor.ts";
import type { Instance } from "./instance.ts";

/** A share's or unshare's result: who may log in now, and whether the machine has the keys yet. */
export interface Shared {
  instance: Instance;
  guest: string;
  access: Access[];
  machine: PushOutcome;
}

/**
 * Lets `guest` log in to a running machine with `key`, or with the key they used last. Only the
 * owner or an admin may; the guest gets no right to extend or delete (those check the owner).
 */
export async function share(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  guest: string,
  key: string | null,
): Promise<Shared> {
  const instance = instanceFor(deps.store, actor, id, "share");
  checkShareable(instance, deps.clock.now());
  if (guest === instance.owner) {
    throw new UserError(`${guest} owns ${instance.id} already.`, { code: "already_owner", field: "with" });
  }
  const sshKey = key === null ? lastKeyOf(deps, guest) : parseSshPublicKey(key).line;
  // Sharing again with the same person replaces their key, so their old one does not count.
  const others = authorizedKeysOf(deps.store, instance).filter(
    (k) => !isKeyOfGuest(deps, instance, guest, k),
  );
  const max = deps.policy.maxKeysPerMachine;
  if (!others.includes(sshKey) && others.length + 1 > max) {
    throw new QuotaError(
      `${instance.id} already has ${others.length} keys; at most ${max} are allowed.`,
      "with",
    );
  }
  deps.store.guests.put({
    instanceId: instance.id,
    guest,
    sshKey,
    addedAt: deps.clock.now(),
    addedBy: actor.id,
  });
  deps.store.recordEvent(instance.id, { actor: actor.id, kind: "shared", detail: `with ${guest}` });
  return pushed(deps, instance, guest);
}

/** Takes a guest's access away again, on the machine too. */
export async function unshare(deps: CoreDeps, actor: Actor, id: string, guest: string): Promise<Shared> {
  const instance = instanceFor(deps.store, actor, id, "unshare");
  if (!deps.store.guests.remove(instance.id, guest)) {
    throw new UserError(`${instance.id} is not shared with ${guest}.`, {
      code: "not_a_guest",
      field: "with",
    });
  }
  deps.store.recordEvent(instance.id, { actor: actor.id, kind: "unshared", detail: `with ${guest}` });
  return pushed(deps, instance, guest);
}

async function pushed(deps: CoreDeps, instance: Instance, guest: string): Promise<Shared> {
  const current = deps.store.require(instance.id);
  const machine = await pushMachineState(deps, current);
  return { instance: current, guest, access: accessOf(deps.store, current), machine };
}

function isKeyOfGuest(deps: CoreDeps, instance: Instance, guest: string, key: string): boolean {
  const theirs = deps.store.guests.list(instance.id).find((g) => g.guest === guest);
  return theirs?.sshKey === key && !instance.sshKeys.includes(key);
}

function lastKeyOf(deps: CoreDeps, guest: string): string {
  const [last] = deps.store.lastKeysOf(guest) ?? [];
  if (!last) {
    throw new UserError(`${guest} has no key on record; pass --ssh-key.`, {
      code: "no_key",
      field: "sshKey",
    });
  }
  return last;
}

// Only a ready machine: one still installing is given its owner's keys by the install, not ours.
function checkShareable(instance: Instance, now: Date): void {
  if (instance.status !== "ready") {
    const why =
      instance.status === "creating" || instance.status === "installing" ? "; share it once it is ready" : "";
    throw new UserError(`${instance.id} is ${instance.status}${why}.`, { code: "not_live" });
  }
  if (instance.expiresAt.getTime() <= now.getTime()) {
    throw new UserError(`${instance.id} has already expired and is being deleted.`, { code: "not_live" });
  }
}
