import { serverLabels } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import { ExternalError } from "../errors.ts";
import { authorizedKeysOf } from "../instances/access.ts";
import { syncExpiryLabel } from "../instances/expiry-label.ts";
import { type Instance, newInstanceId } from "../instances/instance.ts";
import { applyDocumentFor } from "../machine/apply-document.ts";
import { raiseHostKeyAlarm } from "../machine/host-key-alarm.ts";
import { machineTarget } from "../machine/machine-port.ts";
import { pushMachineState } from "../machine/push-state.ts";
import type { ProvisionStep } from "../provision/provision-failure.ts";
import { deliverToNewMachine } from "../secrets/deliver-secrets.ts";
import type { EventNote, NewInstance } from "../store/store.ts";
import { discardPoolMachine } from "./discard.ts";
import { fitOutClaimed } from "./fit-out.ts";
import { projectFlakeHash } from "./flake-hash.ts";
import { withPoolOutcome } from "./pool-outcome.ts";

const HOUR = 3_600_000;

/** The provision's progress report (as run-provision's `ProvisionProgress`). */
interface ProvisionProgress {
  step: ProvisionStep;
  instance: Instance;
  elapsedMs: number;
}
const ACTOR = { actor: "ccc" };

/**
 * Records a provision request, under the id of a ready pool machine of the asked type and location
 * when there is one (claimed in one SQLite statement, so two requests never get the same machine),
 * else under a fresh id. A request the store refuses (the quota) gives its machine back.
 */
export async function recordRequest(
  deps: CoreDeps,
  instance: Omit<NewInstance, "id">,
  note: EventNote,
  maxLivePerOwner: number,
  price?: Parameters<CoreDeps["store"]["add"]>[3],
  /** Checked again inside the write that records it (the budget, the hourly limit). */
  check?: () => void,
): Promise<Instance> {
  const member = deps.pool.targets.length ? await claimMember(deps, instance) : null;
  if (!member) {
    return deps.store.add({ id: newInstanceId(), ...instance }, note, maxLivePerOwner, price, check);
  }
  try {
    const recorded = deps.store.add({ id: member, ...instance }, note, maxLivePerOwner, price, check);
    return withPoolOutcome(recorded, "claimed");
  } catch (error) {
    deps.store.pool.unclaim(member);
    throw error;
  }
}

async function claimMember(deps: CoreDeps, wanted: { serverType: string; location: string }) {
  const now = deps.clock.now();
  const maxAgeHours = deps.pool.maxAgeHours;
  const member = deps.store.pool.claim({
    serverType: wanted.serverType,
    location: wanted.location,
    flakeHash: await projectFlakeHash(deps.paths.flakeDir),
    bornAfter: new Date(now.getTime() - maxAgeHours * HOUR),
    at: now,
  });
  return member?.id ?? null;
}

/** What the provision does next: nothing (the pool machine is handed over), or a full install. */
export type PoolStep =
  | { kind: "handed-over"; instance: Instance }
  | {
      kind: "install";
      /** Progress for the install, marked so the messages say why it is a fresh install. */
      onProgress: (progress: ProvisionProgress) => void;
      finish: (instance: Instance) => Instance;
    };

/**
 * Hands a claimed pool machine to its request: tells the machine its owner, keys and expiry over the
 * pinned channel, checks from the answer that it holds exactly those, then renames and relabels the
 * server as the instance (one Hetzner request). Any failure deletes the pool machine (one in an
 * unknown state is never handed out) and asks for a full install instead. The caller holds the
 * instance's lease.
 */
export async function provisionFromPool(
  deps: CoreDeps,
  recorded: Instance,
  onProgress: (progress: ProvisionProgress) => void,
): Promise<PoolStep> {
  const member = deps.store.pool.get(recorded.id);
  if (member?.state !== "claimed") {
    return { kind: "install", onProgress, finish: (instance) => instance };
  }
  const started = deps.clock.now().getTime();
  let handed: { instance: Instance; pushed: Date; serverId: number } | null = null;
  try {
    if (member.hetznerServerId === null || !member.ipv4 || !member.hostKey) {
      throw new ExternalError("ssh", "pool_member_incomplete", "the pool machine's record is incomplete");
    }
    wanted(deps, recorded.id);
    let instance = deps.store.update(
      recorded.id,
      {
        status: "installing",
        hetznerServerId: member.hetznerServerId,
        ipv4: member.ipv4,
        ipv6: member.ipv6,
        hostKey: member.hostKey,
      },
      {
        ...ACTOR,
        kind: "claimed",
        detail: `pool machine, server ${member.hetznerServerId} at ${member.ipv4}`,
      },
    );
    onProgress({ step: "installing", instance: withPoolOutcome(instance, "claimed"), elapsedMs: 0 });
    const doc = applyDocumentFor(instance, authorizedKeysOf(deps.store, instance));
    const result = await deps.machine.apply(machineTarget(instance, deps.timing.sshPort), doc);
    if (result.kind === "host-key-mismatch") {
      await raiseHostKeyAlarm(
        deps,
        recorded.id,
        result,
        `The pool machine (server ${member.hetznerServerId}) was not handed over and is deleted; ${recorded.id} is installed afresh.`,
      );
    }
    if (result.kind !== "ok") {
      // ssh's own words go to the log only; the audit trail keeps the plain message.
      deps.log.warn("pool machine refused the handover", { instance: recorded.id, reason: result.detail });
      throw new ExternalError("ssh", result.kind, result.message);
    }
    if (
      result.applied.expiresAt !== doc.expiresAt ||
      result.applied.authorizedKeys.join("\n") !== doc.authorizedKeys.join("\n")
    ) {
      throw new ExternalError("ssh", "answer-differs", "the machine holds other keys or another expiry");
    }
    // The label carries the expiry just pushed; an extend meanwhile moves both again as usual.
    await deps.cloud.renameServer(
      member.hetznerServerId,
      recorded.id,
      serverLabels(recorded, new Date(Date.parse(doc.expiresAt))),
    );
    wanted(deps, recorded.id);
    deps.store.pool.remove(member.id);
    await fitOutClaimed(deps, deps.store.require(recorded.id), () =>
      onProgress({
        step: "installing_software",
        instance: withPoolOutcome(deps.store.require(recorded.id), "claimed"),
        elapsedMs: deps.clock.now().getTime() - started,
      }),
    );
    await deliverToNewMachine(deps, deps.store.require(recorded.id));
    const seconds = Math.max(
      0,
      Math.round((deps.clock.now().getTime() - recorded.createdAt.getTime()) / 1000),
    );
    instance = deps.store.update(
      recorded.id,
      { status: "ready", readyAt: deps.clock.now() },
      { ...ACTOR, kind: "ready", detail: `from the pool in ${seconds} s` },
    );
    handed = { instance, pushed: new Date(Date.parse(doc.expiresAt)), serverId: member.hetznerServerId };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    deps.log.warn("pool claim failed; installing a fresh machine", { instance: recorded.id, reason });
    await discardPoolMachine(deps, member.id, member.hetznerServerId);
    const status = deps.store.get(recorded.id)?.status;
    // Deleted while it was handed over: the install that follows sees that and stops.
    if (status !== "deleting" && status !== "deleted")
      deps.store.update(
        recorded.id,
        { status: "creating", hetznerServerId: null, ipv4: null, ipv6: null, hostKey: null },
        {
          ...ACTOR,
          kind: "pool_claim_failed",
          detail: `${reason}; the pool machine was deleted, installing afresh`,
        },
      );
    deps.refillPoolSoon?.();
    const mark = (instance: Instance) => withPoolOutcome(instance, "fallback");
    return {
      kind: "install",
      onProgress: (progress) => onProgress({ ...progress, instance: mark(progress.instance) }),
      finish: mark,
    };
  }
  await followExtendMeanwhile(deps, handed);
  const ready = withPoolOutcome(deps.store.get(handed.instance.id) ?? handed.instance, "hit");
  onProgress({ step: "ready", instance: ready, elapsedMs: deps.clock.now().getTime() - started });
  deps.refillPoolSoon?.();
  return { kind: "handed-over", instance: ready };
}

/** Refuses to go on with an instance someone deleted meanwhile; the fallback install then stops too. */
function wanted(deps: CoreDeps, id: string): void {
  const status = deps.store.get(id)?.status;
  if (status === "deleting" || status === "deleted") {
    throw new ExternalError("hetzner", "deleted_meanwhile", `${id} was deleted while it was handed over.`);
  }
}

/**
 * An extend while the machine was handed over found it not ready and reached neither label nor machine:
 * both follow now, as after any extend. The machine is the owner's already, so trouble here is left to
 * the sweep's retries rather than undoing the handover.
 */
async function followExtendMeanwhile(
  deps: CoreDeps,
  handed: { instance: Instance; pushed: Date; serverId: number },
): Promise<void> {
  const current = deps.store.get(handed.instance.id);
  if (!current || current.expiresAt.getTime() === handed.pushed.getTime()) return;
  try {
    await syncExpiryLabel(deps, current.id, handed.serverId, handed.pushed);
    await pushMachineState(deps, current);
  } catch (error) {
    deps.log.warn("a new expiry did not reach the claimed machine yet", {
      instance: current.id,
      reason: error instanceof Error ? error.message : String(error),
    });
  }
}
