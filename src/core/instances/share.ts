import type { CoreDeps } from "../deps.ts";
import { QuotaError, UserError } from "../errors.ts";
import { type PushOutcome, pushMachineState } from "../machine/push-state.ts";
import type { Delivery } from "../ports/notifier.ts";
import { deliverSecrets, withholdsSecrets } from "../secrets/deliver-secrets.ts";
import { parseSshPublicKey } from "../ssh-key/ssh-key.ts";
import { type Access, accessOf, allKeysOf, GUEST_ACCOUNTS } from "./access.ts";
import { type Actor, instanceFor } from "./actor.ts";
import type { Instance } from "./instance.ts";

/**
 * A share's or unshare's result: who may log in now, and whether the machine has the keys yet
 * (`null` while the share waits for the guest to set a key).
 */
export interface Shared {
  instance: Instance;
  guest: string;
  access: Access[];
  machine: PushOutcome | null;
  /** What became of the DM to the guest (`null`: none was due, as for an unshare). */
  guestTold: Delivery | null;
  /** True when the guest logs in (or logged in) as claude, with sudo; false with an account of their own. */
  sudo: boolean;
  /** The user name the guest logs in (or logged in) as: claude, or their ccc-guest-N account. */
  login: string;
  /** The owner's secrets stay on the machine while this guest has access (shared "with secrets"). */
  withSecrets: boolean;
  /** How many secrets the owner has (0 with secrets off): the answers only speak of them when any. */
  ownerSecrets?: number;
}

/** How a guest is let in: as claude with sudo (the default), or with an account of their own without. */
export interface ShareOptions {
  noSudo?: boolean;
  /** Keep the owner's secrets on the machine while this guest has access (default: they leave). */
  withSecrets?: boolean;
}

/**
 * Lets `guest` log in to a running machine with `key`, or with the key they use now. Only the
 * owner or an admin may; the guest gets no right to extend or delete (those check the owner).
 * A guest with no key on record is asked for one by DM; the share completes when they set it.
 */
export async function share(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  guest: string,
  key: string | null,
  options: ShareOptions = {},
): Promise<Shared> {
  const noSudo = options.noSudo === true;
  const how = { noSudo, withSecrets: options.withSecrets === true };
  const instance = instanceFor(deps.store, actor, id, "share");
  checkShareable(instance, deps.clock.now());
  if (guest === instance.owner) {
    throw new UserError(`${guest} owns ${instance.id} already.`, { code: "already_owner", field: "with" });
  }
  const sshKey = key === null ? deps.store.currentKeyOf(guest) : parseSshPublicKey(key).line;
  if (sshKey === null) return askForKey(deps, actor, instance, guest, how);
  return letIn(deps, actor.id, instance, guest, sshKey, how);
}

/**
 * Completes the shares that waited for `guest` to set a key, now that they have. A machine gone
 * or full meanwhile drops its share, and the guest is told why.
 */
export async function completePendingShares(
  deps: CoreDeps,
  guest: string,
  sshKey: string,
): Promise<{ shared: Shared[]; dropped: { instanceId: string; reason: string }[] }> {
  const shared: Shared[] = [];
  const dropped: { instanceId: string; reason: string }[] = [];
  for (const pending of deps.store.pendingShares.forGuest(guest)) {
    deps.store.pendingShares.remove(pending.instanceId, guest);
    const instance = deps.store.get(pending.instanceId);
    try {
      if (!instance) throw new UserError(`${pending.instanceId} is gone.`);
      checkShareable(instance, deps.clock.now());
      const how = { noSudo: pending.noSudo === true, withSecrets: pending.withSecrets === true };
      shared.push(await letIn(deps, pending.requestedBy, instance, guest, sshKey, how));
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      dropped.push({ instanceId: pending.instanceId, reason: error.message });
    }
  }
  return { shared, dropped };
}

/** Takes a guest's access away again, on the machine too; a share still waiting for a key is dropped. */
export async function unshare(deps: CoreDeps, actor: Actor, id: string, guest: string): Promise<Shared> {
  const instance = instanceFor(deps.store, actor, id, "unshare");
  const was = deps.store.guests.list(instance.id).find((g) => g.guest === guest);
  const pendingShare = deps.store.pendingShares.forInstance(instance.id).find((p) => p.guest === guest);
  const sudo = was ? was.account === null : pendingShare?.noSudo !== true;
  // A share without sudo that only waited for a key never had an account on the machine.
  const how = {
    sudo,
    login: was?.account ?? (sudo ? "claude" : "their own account"),
    withSecrets: (was ?? pendingShare)?.withSecrets === true,
  };
  const waiting = deps.store.pendingShares.remove(instance.id, guest);
  const wasGuest = deps.store.guests.remove(instance.id, guest);
  if (!wasGuest && !waiting) {
    throw new UserError(`${instance.id} is not shared with ${guest}.`, {
      code: "not_a_guest",
      field: "with",
    });
  }
  deps.store.recordEvent(instance.id, { actor: actor.id, kind: "unshared", detail: `with ${guest}` });
  // A share that only waited for a key never reached the machine: nothing to take back there.
  if (!wasGuest) {
    return {
      instance,
      guest,
      access: accessOf(deps.store, instance),
      machine: null,
      guestTold: null,
      ...how,
    };
  }
  return { ...(await pushed(deps, instance, guest)), guestTold: null, ...how };
}

async function letIn(
  deps: CoreDeps,
  by: string,
  instance: Instance,
  guest: string,
  sshKey: string,
  { noSudo, withSecrets }: { noSudo: boolean; withSecrets: boolean },
): Promise<Shared> {
  // Sharing again with the same person replaces their key, so their old one does not count.
  const others = allKeysOf(deps.store, instance).filter((k) => !isKeyOfGuest(deps, instance, guest, k));
  const max = deps.policy.maxKeysPerMachine;
  if (!others.includes(sshKey) && others.length + 1 > max) {
    throw new QuotaError(
      `${instance.id} already has ${others.length} keys; at most ${max} are allowed.`,
      "with",
    );
  }
  const account = noSudo ? accountFor(deps, instance, guest) : null;
  deps.store.guests.put({
    instanceId: instance.id,
    guest,
    sshKey,
    addedAt: deps.clock.now(),
    addedBy: by,
    account,
    withSecrets,
  });
  deps.store.recordEvent(instance.id, {
    actor: by,
    kind: "shared",
    detail:
      (account ? `with ${guest}, without sudo, as ${account}` : `with ${guest}, as claude with sudo`) +
      (withSecrets ? ", with the owner's secrets" : ""),
  });
  const result = await pushed(deps, instance, guest);
  const guestTold = await deps.notifier.notify({
    kind: "shared",
    instance: result.instance,
    to: guest,
    by,
    login: account ?? "claude",
  });
  return { ...result, guestTold, sudo: account === null, login: account ?? "claude", withSecrets };
}

/** The guest's account: the one they have on this machine already, else the first free one. */
function accountFor(deps: CoreDeps, instance: Instance, guest: string): string {
  const guests = deps.store.guests.list(instance.id);
  const theirs = guests.find((g) => g.guest === guest)?.account;
  if (theirs) return theirs;
  const taken = new Set(guests.map((g) => g.account));
  const free = GUEST_ACCOUNTS.find((a) => !taken.has(a));
  if (!free) {
    throw new QuotaError(
      `${instance.id} has ${GUEST_ACCOUNTS.length} guests without sudo already; that is all the accounts it has.`,
      "with",
    );
  }
  return free;
}

async function askForKey(
  deps: CoreDeps,
  actor: Actor,
  instance: Instance,
  guest: string,
  { noSudo, withSecrets }: { noSudo: boolean; withSecrets: boolean },
): Promise<Shared> {
  const pending = {
    instanceId: instance.id,
    guest,
    requestedBy: actor.id,
    requestedAt: deps.clock.now(),
    noSudo,
    withSecrets,
  };
  deps.store.pendingShares.put(pending);
  const guestTold = await deps.notifier.notify({ kind: "key_needed", instance, to: guest, by: actor.id });
  // Printed: the operator's own terminal shows the request, to hand on; the share waits as in Slack.
  if (guestTold !== "sent" && guestTold !== "printed") {
    // Nobody ccc can reach: a mistyped or unknown person. Nothing stays behind.
    deps.store.pendingShares.remove(instance.id, guest);
    throw new UserError(
      `${guest} has no SSH key on record, and ccc could not reach them to ask for one. Check the name, or give their key (--ssh-key).`,
      { code: "no_key", field: "with" },
    );
  }
  deps.store.recordEvent(instance.id, {
    actor: actor.id,
    kind: "share_waiting",
    detail: `with ${guest}: waiting for their key`,
  });
  // The account is chosen when the share completes; until then a guest without sudo has none.
  return {
    instance,
    guest,
    access: accessOf(deps.store, instance),
    machine: null,
    guestTold,
    sudo: !noSudo,
    login: noSudo ? "their own account" : "claude",
    withSecrets,
  };
}

async function pushed(
  deps: CoreDeps,
  instance: Instance,
  guest: string,
): Promise<Omit<Shared, "guestTold" | "sudo" | "login" | "withSecrets">> {
  const current = deps.store.require(instance.id);
  // The owner's secrets leave before the key of a guest let in without them arrives, and come back
  // after the last such guest's key is gone (docs/secrets.md).
  const secrets =
    deps.secretsKey && current.status === "ready" && deps.store.secrets.count(current.owner) > 0;
  const guests = withholdsSecrets(deps, current.id);
  if (secrets && guests) await deliverSecrets(deps, current);
  const machine = await pushMachineState(deps, current);
  if (secrets && !guests) await deliverSecrets(deps, current);
  const ownerSecrets = deps.secretsKey ? deps.store.secrets.count(current.owner) : 0;
  return { instance: current, guest, access: accessOf(deps.store, current), machine, ownerSecrets };
}

function isKeyOfGuest(deps: CoreDeps, instance: Instance, guest: string, key: string): boolean {
  const theirs = deps.store.guests.list(instance.id).find((g) => g.guest === guest);
  return theirs?.sshKey === key && !instance.sshKeys.includes(key);
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
