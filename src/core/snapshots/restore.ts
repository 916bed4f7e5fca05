import { checkBudget, warnNearBudget } from "../budget/check-budget.ts";
import type { BudgetChange } from "../budget/standing.ts";
import type { CloudServer, PrimaryIpIds } from "../cloud/cloud.ts";
import { serverLabels } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import { ExternalError, UserError } from "../errors.ts";
import { checkProvisionGuardrails, checkWhenRecorded } from "../guardrails/check-request.ts";
import { withinGuardrails } from "../guardrails/guardrails.ts";
import type { Actor } from "../instances/actor.ts";
import { type Instance, newInstanceId } from "../instances/instance.ts";
import { expiryFrom, newLifetimeHours } from "../instances/policy.ts";
import { instanceLease, takeLease } from "../lifecycle/leases.ts";
import type { ProvisionStep } from "../provision/provision-failure.ts";
import { failProvision } from "../provision/run-provision.ts";
import { waitForBoot } from "../provision/wait-for-boot.ts";
import { deliverToNewMachine } from "../secrets/deliver-secrets.ts";
import { parseSshPublicKey } from "../ssh-key/ssh-key.ts";
import type { Snapshot } from "../store/store.ts";
import { prepareWorkspace } from "../workspace/prepare-workspace.ts";
import { snapshotFor } from "./manage.ts";
import { pushRestoredState } from "./push-restored.ts";

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
 * Boots the recorded instance from the snapshot's image (NixOS is on it: no installer), pins the
 * saved machine's host key, waits for SSH, and sends the new expiry and the owner's key through
 * `ccc-apply`. A failure deletes the server and marks the instance `failed`, like a provision.
 */
export async function runRestore(
  deps: CoreDeps,
  recorded: Instance,
  snapshot: Snapshot,
  onStep: (step: ProvisionStep) => void = () => {},
  /** A wake's kept Primary IPs: the server is created with them, so it has the same address. */
  primaryIps?: PrimaryIpIds,
): Promise<Instance> {
  const ready = await bootRestored(deps, recorded, snapshot, onStep, primaryIps);
  // After "ready", as for a provision: the clone (a fetch of the one on the disk) never fails the restore.
  return prepareWorkspace(deps, ready);
}

async function bootRestored(
  deps: CoreDeps,
  recorded: Instance,
  snapshot: Snapshot,
  onStep: (step: ProvisionStep) => void,
  primaryIps: PrimaryIpIds | undefined,
): Promise<Instance> {
  const lease = takeLease(deps, instanceLease(recorded.id));
  if (!lease)
    throw new UserError(`${recorded.id} is already being built by another ccc process.`, { code: "busy" });
  let server: CloudServer | null = null;
  let step: ProvisionStep = "creating_server";
  try {
    onStep(step);
    const created = await deps.cloud.createServer({
      name: recorded.id,
      serverType: recorded.serverType,
      image: String(snapshot.imageId),
      location: recorded.location,
      sshKeys: [],
      labels: serverLabels(recorded),
      ...(primaryIps ? { primaryIps } : {}),
    });
    server = created.server;
    if (!server.ipv4)
      throw new ExternalError("hetzner", "no_ipv4", "Hetzner gave the server no IPv4 address.");
    let instance = stillWanted(deps, recorded.id, {
      hetznerServerId: server.id,
      ipv4: server.ipv4,
      ipv6: server.ipv6,
      hostKey: snapshot.hostKey,
    });
    step = "waiting_for_ssh";
    onStep(step);
    await waitForBoot(
      deps,
      server.ipv4,
      [created.action, ...created.nextActions].map((a) => a.id),
    );
    step = "installing";
    onStep(step);
    await pushRestoredState(deps, instance);
    await deliverToNewMachine(deps, instance);
    instance = stillWanted(deps, recorded.id, { status: "ready", readyAt: deps.clock.now() });
    step = "ready";
    onStep(step);
    return instance;
  } catch (error) {
    throw await failProvision(deps, recorded.id, server, error, step);
  } finally {
    lease.release();
  }
}

function stillWanted(
  deps: CoreDeps,
  id: string,
  patch: Parameters<CoreDeps["store"]["update"]>[1],
): Instance {
  const current = deps.store.require(id);
  if (current.status === "deleting" || current.status === "deleted") {
    throw new ExternalError("hetzner", "deleted_meanwhile", `${id} was deleted while it was being restored.`);
  }
  return deps.store.update(id, patch, {
    actor: "ccc",
    kind: patch.status ?? "server_created",
    detail: patch.ipv4 ? `server at ${patch.ipv4}, restored` : null,
  });
}
