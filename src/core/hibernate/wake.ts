import { checkBudget } from "../budget/check-budget.ts";
import type { CoreDeps } from "../deps.ts";
import { ExternalError, ForbiddenError, NotFoundError, UserError } from "../errors.ts";
import { type Actor, ownsOrAdmin } from "../instances/actor.ts";
import type { Instance } from "../instances/instance.ts";
import { machinesLeft, overQuota } from "../instances/quota.ts";
import type { ProvisionStep } from "../provision/provision-failure.ts";
import { runRestore } from "../snapshots/restore.ts";
import { parseSshPublicKey } from "../ssh-key/ssh-key.ts";
import type { Hibernation, Snapshot } from "../store/store.ts";
import { userFacingFailure } from "../user-facing-failure.ts";
import { attachWorkVolume } from "../volumes/attach-work-volume.ts";
import { addressesBackOnServer, usableKeptAddresses } from "./kept-addresses.ts";

/** A wake under way: the same instance recorded as `creating` again, its snapshot and its sleep. */
export interface StartedWake {
  instance: Instance;
  snapshot: Snapshot;
  hibernation: Hibernation;
}

/**
 * Checks a wake and records the machine as `creating` again under its own id, its expiry moved by the
 * time it slept (the lifetime it had left), its owner's current key; nothing is spent yet. Refused
 * with nothing written: not asleep, someone else's, already waking, a full quota or budget.
 */
export async function startWake(deps: CoreDeps, actor: Actor, id: string): Promise<StartedWake> {
  const hibernation = deps.store.hibernation.current(id);
  const instance = deps.store.get(id);
  if (!hibernation || !instance) {
    const latest = deps.store.hibernation.latest(id);
    if (latest?.state === "ended") {
      throw new UserError(
        `${id} slept longer than hibernation allows and can no longer be woken as it was; \`restore ${id}\` makes a new machine from its snapshot.`,
        { code: "hibernation_ended" },
      );
    }
    if (instance && (instance.status === "ready" || instance.status === "creating")) {
      throw new UserError(`${id} is not hibernating: it is ${instance.status}.`, { code: "not_asleep" });
    }
    throw new NotFoundError(`${id} is not hibernating; \`list\` shows your machines.`);
  }
  if (!ownsOrAdmin(actor, instance.owner)) {
    deps.store.recordEvent(id, { actor: actor.id, kind: "refused", detail: "wake: not the owner" });
    throw new ForbiddenError(`${id} is not yours, so you cannot wake it.`);
  }
  if (hibernation.state === "waking") {
    throw new UserError(`${id} is already waking up.`, { code: "busy" });
  }
  // The save's delete may still be retried by the sweep: only a machine whose server is gone wakes.
  if (instance.status !== "deleted") {
    throw new UserError(`${id} is still going to sleep (${instance.status}); wake it in a minute.`, {
      code: "busy",
    });
  }
  const snapshot = deps.store.snapshots.get(id);
  if (snapshot?.status !== "available" || snapshot.imageId === null || !snapshot.hostKey) {
    throw new UserError(`${id}'s snapshot is not available, so it cannot be woken.`, { code: "no_snapshot" });
  }
  const live = deps.store.countLive(instance.owner);
  if (machinesLeft(live, deps.policy.maxInstancesPerUser) === 0) {
    throw overQuota(live, deps.policy.maxInstancesPerUser);
  }
  const offer = await deps.catalog.offer(instance.serverType, instance.location);
  const hours = hibernation.remainingMs / 3_600_000;
  await checkBudget(deps, instance.owner, { kind: "provision", price: offer, hours });
  if (!deps.store.hibernation.claimWake(hibernation.id)) {
    throw new UserError(`${id} is already waking up.`, { code: "busy" });
  }
  const now = deps.clock.now();
  const keyLine = deps.store.currentKeyOf(instance.owner) ?? instance.sshKeys[0] ?? "";
  const key = parseSshPublicKey(keyLine);
  const woken = deps.store.update(
    id,
    {
      status: "creating",
      deletedAt: null,
      hetznerServerId: null,
      ipv4: null,
      ipv6: null,
      readyAt: null,
      failureReason: null,
      sshKeys: [key.line],
      sshKeyFingerprint: key.fingerprint,
      expiresAt: new Date(now.getTime() + hibernation.remainingMs),
    },
    {
      actor: actor.id,
      kind: "waking",
      detail: `from image ${snapshot.imageId}, asleep since ${hibernation.sleptAt.toISOString()}, key ${key.fingerprint}`,
    },
  );
  return { instance: woken, snapshot, hibernation: deps.store.hibernation.current(id) ?? hibernation };
}

/**
 * Boots the machine from its hibernation image through the restore pipeline (saved host key pinned,
 * expiry and current keys pushed) and tells the owner. A failure removes the new server and leaves
 * the machine asleep with its snapshot, so it can be woken again; the owner is told either way.
 */
export async function runWake(
  deps: CoreDeps,
  started: StartedWake,
  onStep: (step: ProvisionStep) => void = () => {},
): Promise<Instance> {
  const { instance, snapshot, hibernation } = started;
  let ready: Instance;
  try {
    await untilOldServerGone(deps, instance.id);
    // Same address as before the sleep: the server is created with the kept Primary IPs.
    const primaryIps = await usableKeptAddresses(deps, instance.id);
    ready = await runRestore(deps, instance, snapshot, onStep, primaryIps);
  } catch (error) {
    const reason = userFacingFailure(error);
    const asleep = deps.store.update(
      instance.id,
      { status: "deleted", deletedAt: deps.clock.now(), hetznerServerId: null, ipv4: null, ipv6: null },
      { actor: "ccc", kind: "wake_failed", detail: error instanceof Error ? error.message : String(error) },
    );
    deps.store.hibernation.backToSleep(hibernation.id);
    await deps.notifier.notify({ kind: "wake_failed", instance: asleep, reason });
    throw error;
  }
  await addressesBackOnServer(deps, ready);
  if (hibernation.workVolumeGb !== null)
    ready = await reattachWorkVolume(deps, ready, hibernation.workVolumeGb);
  const now = deps.clock.now();
  deps.store.hibernation.close(hibernation.id, "woken", now);
  deps.store.hibernation.restartIdleClock(instance.id, now);
  await dropImage(deps, snapshot);
  await deps.notifier.notify({ kind: "woken", instance: ready });
  return ready;
}

/**
 * The work volume it had before it slept, attached and mounted again (the owner's one in this
 * location). Never fails the wake: a volume another machine took meanwhile, or an attach that failed,
 * leaves a running machine without it, with the reason in its events and the log.
 */
async function reattachWorkVolume(deps: CoreDeps, instance: Instance, sizeGb: number): Promise<Instance> {
  try {
    const { volume, mount } = await attachWorkVolume(deps, instance, { sizeGb });
    deps.store.recordEvent(instance.id, {
      actor: "ccc",
      kind: "volume_reattached",
      detail: `volume ${volume.hetznerId} after the wake (${mount.kind})`,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    deps.log.warn("work volume not attached again after wake", { instance: instance.id, reason });
    deps.store.recordEvent(instance.id, { actor: "ccc", kind: "volume_reattach_failed", detail: reason });
  }
  return deps.store.require(instance.id);
}

/**
 * Hetzner deletes a server a little after it says so, and the new one takes the same name: a wake
 * right after a hibernation waits for the old one to be gone (a minute at most).
 */
async function untilOldServerGone(deps: CoreDeps, id: string): Promise<void> {
  const deadline = deps.clock.now().getTime() + 60_000;
  while ((await deps.cloud.listServers(`ccc-instance=${id}`)).length > 0) {
    if (deps.clock.now().getTime() > deadline) {
      throw new ExternalError(
        "hetzner",
        "server_still_there",
        `${id}'s old server is still being deleted; wake it in a minute.`,
      );
    }
    await deps.clock.sleep(1_000);
  }
}

/** The hibernation image has served: deleted, so it costs nothing and the next sleep can make a new one. */
async function dropImage(deps: CoreDeps, snapshot: Snapshot): Promise<void> {
  try {
    if (snapshot.imageId !== null) await deps.cloud.deleteImage(snapshot.imageId);
    deps.store.snapshots.deleted(snapshot.id, deps.clock.now(), "woken");
    deps.store.recordEvent(snapshot.id, { actor: "ccc", kind: "snapshot_deleted", detail: "woken" });
  } catch (error) {
    // Left available: its retention deletes it later; the machine runs all the same.
    deps.log.warn("hibernation image not deleted after wake", {
      instance: snapshot.id,
      reason: String(error),
    });
  }
}
