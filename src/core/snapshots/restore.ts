import { checkBudget, warnNearBudget } from "../budget/check-budget.ts";
import type { BudgetChange } from "../budget/standing.ts";
import { buildMachine } from "../build/build-machine.ts";
import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import { checkProvisionGuardrails, checkWhenRecorded } from "../guardrails/check-request.ts";
import { withinGuardrails } from "../guardrails/guardrails.ts";
import type { Actor } from "../instances/actor.ts";
import { type Instance, newInstanceId } from "../instances/instance.ts";
import { expiryFrom, newLifetimeHours } from "../instances/policy.ts";
import type { ProvisionStep } from "../provision/provision-failure.ts";
import { parseSshPublicKey } from "../ssh-key/ssh-key.ts";
import type { Snapshot } from "../store/store.ts";
import { snapshotFor } from "./manage.ts";

export interface RestoreRequest {
  snapshotId: string;
  hours?: number | undefined;
  serverType?: string | undefined;
  location?: string | undefined;
}

export interface RestoreResult {
  instance: Instance;
  snapshot: Snapshot;
}

/**
 * Checks a restore against the snapshot and the operator's rules and records the new instance as
 * `creating`; nothing is spent yet. Refused with a UserError (and nothing written) for someone
 * else's snapshot, one not made yet, a type of another architecture or too small a disk, or a
 * quota that is full.
 */
export async function startRestore(
  deps: CoreDeps,
  actor: Actor,
  request: RestoreRequest,
): Promise<RestoreResult> {
  const snapshot = snapshotFor(deps, actor, request.snapshotId, "restore");
  // A hibernating machine comes back as itself (same id, paused expiry), not as a copy.
  if (deps.store.hibernation.current(snapshot.id)) {
    throw new UserError(`${snapshot.id} is hibernating; wake it instead: wake ${snapshot.id}.`, {
      code: "hibernating",
    });
  }
  if (snapshot.status !== "available" || snapshot.imageId === null) {
    throw new UserError(`The snapshot ${snapshot.id} is still being made; restore it once it is done.`, {
      code: "busy",
    });
  }
  if (!snapshot.hostKey) {
    throw new UserError(
      `${snapshot.id} was saved from a machine installed before ccc pinned host keys, so ccc cannot restore it safely.`,
      { code: "no_host_key" },
    );
  }
  const hours = newLifetimeHours(request.hours, deps.policy);
  const offer = await deps.catalog.offer(
    request.serverType || snapshot.serverType,
    request.location || snapshot.location,
    (o) => withinGuardrails(o, deps.guardrails),
  );
  if (offer.type.architecture !== snapshot.architecture) {
    throw new UserError(
      `${offer.type.name} is an ${offer.type.architecture} type, but ${snapshot.id} was saved from an ${snapshot.architecture} machine; pick an ${snapshot.architecture} type (like ${snapshot.serverType}).`,
      { field: "serverType", code: "wrong_architecture" },
    );
  }
  if (offer.type.diskGb < snapshot.diskGb) {
    throw new UserError(
      `${offer.type.name} has a ${offer.type.diskGb} GB disk, but ${snapshot.id} holds a ${snapshot.diskGb} GB one; pick a type with at least ${snapshot.diskGb} GB.`,
      { field: "serverType", code: "disk_too_small" },
    );
  }
  // The same spending rules as a fresh request: allowed types, price ceiling, rate, budget.
  await checkProvisionGuardrails(deps, { owner: snapshot.owner, offer, hours });
  const change: BudgetChange = { kind: "provision", price: offer, hours };
  checkBudget(deps, snapshot.owner, change);
  // The owner's current key (set as theirs or used last), not the one the machine was saved with.
  const keyLine = deps.store.currentKeyOf(snapshot.owner) ?? deps.store.get(snapshot.id)?.sshKeys[0];
  const key = parseSshPublicKey(keyLine ?? "");
  const now = deps.clock.now();
  const instance = deps.store.add(
    {
      id: newInstanceId(),
      owner: snapshot.owner,
      ownerEmail: null,
      sshKeys: [key.line],
      sshKeyFingerprint: key.fingerprint,
      serverType: offer.type.name,
      location: offer.location,
      createdAt: now,
      expiresAt: expiryFrom(now, hours),
    },
    {
      actor: actor.id,
      kind: "requested",
      detail: `restore of ${snapshot.id}: ${offer.type.name} in ${offer.location} for ${hours} h, key ${key.fingerprint}`,
    },
    deps.policy.maxInstancesPerUser,
    offer,
    checkWhenRecorded(deps, snapshot.owner, change),
  );
  deps.store.snapshots.setMachineId(instance.id, snapshot.id);
  // The saved machine's repository and dotfiles: the restored one is prepared like a fresh provision.
  const workspace = deps.store.workspaces.get(snapshot.id);
  if (workspace && instance.id !== snapshot.id)
    deps.store.workspaces.put(instance.id, workspace, deps.clock.now());
  await warnNearBudget(deps, snapshot.owner);
  return { instance, snapshot };
}

/**
 * Boots the recorded instance from the snapshot's image through the build pipeline (NixOS is on it:
 * no installer): the saved machine's host key pinned, the new expiry and the owner's key sent through
 * `ccc-apply`, the workspace prepared. A failure deletes the server and marks the instance `failed`,
 * like a provision.
 */
export function runRestore(
  deps: CoreDeps,
  recorded: Instance,
  snapshot: Snapshot,
  onStep: (step: ProvisionStep) => void = () => {},
): Promise<Instance> {
  let last: ProvisionStep | null = null;
  return buildMachine(deps, recorded, { kind: "snapshot", image: snapshot }, ({ step }) => {
    // Each step once (the workspace's clone reports many lines).
    if (step !== last) onStep(step);
    last = step;
  });
}
