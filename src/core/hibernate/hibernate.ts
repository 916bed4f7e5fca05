import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import { type Actor, instanceFor } from "../instances/actor.ts";
import type { Instance } from "../instances/instance.ts";
import { instanceLease, withLease } from "../lifecycle/leases.ts";
import { saveUnderLease } from "../snapshots/save.ts";
import { DAY_MS } from "../snapshots/snapshot-policy.ts";
import type { Hibernation, Snapshot } from "../store/store.ts";
import { type ActivityReason, activityReasons } from "./activity-reasons.ts";
import { hibernationOf } from "./idle-policy.ts";
import { keepAddresses } from "./kept-addresses.ts";

/** The label that tells a hibernation's image from a person's save (the reconciler and operators see it). */
export const HIBERNATION_LABEL = "ccc-hibernation";

export type HibernateResult =
  /** Saved, server deleted, expiry paused. */
  | { kind: "hibernated"; instance: Instance; snapshot: Snapshot; hibernation: Hibernation }
  /** The snapshot failed: the server keeps running and the owner was told. */
  | { kind: "failed"; instance: Instance; reason: string }
  /** Not hibernated: an SSH session or a task is running (each reason named). */
  | { kind: "in_use"; instance: Instance; reasons: ActivityReason[] };

/**
 * Hibernates a running machine: asks it once more what runs on it (never with an SSH session or a
 * task), then the ordinary save under the instance's lease, labelled as a hibernation and with the
 * remaining lifetime recorded, so a wake brings the same machine back with its expiry paused.
 */
export async function hibernateMachine(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  why: "idle" | "asked",
): Promise<HibernateResult> {
  const instance = instanceFor(deps.store, actor, id, "hibernate");
  if (instance.status !== "ready" || instance.hetznerServerId === null) {
    throw new UserError(`${instance.id} is ${instance.status}; only a running machine can hibernate.`, {
      code: "not_ready",
    });
  }
  const blockers = await blockingActivity(deps, instance);
  if (blockers.length > 0) {
    deps.store.recordEvent(instance.id, {
      actor: actor.id,
      kind: "hibernate_skipped",
      detail: blockers.map((r) => r.text).join("; "),
    });
    return { kind: "in_use", instance, reasons: blockers };
  }
  const attempt = await withLease(deps, instanceLease(instance.id), async () => {
    const current = deps.store.require(instance.id);
    if (current.status !== "ready") {
      throw new UserError(`${current.id} is ${current.status}; only a running machine can hibernate.`, {
        code: "not_ready",
      });
    }
    return hibernateUnderLease(deps, actor, current, why);
  });
  if (!attempt.taken) {
    throw new UserError(`${instance.id} is busy (being saved, built or deleted); try again shortly.`, {
      code: "busy",
    });
  }
  return attempt.value;
}

async function hibernateUnderLease(
  deps: CoreDeps,
  actor: Actor,
  instance: Instance,
  why: "idle" | "asked",
): Promise<HibernateResult> {
  const settings = hibernationOf(deps);
  const now = deps.clock.now();
  const remainingMs = Math.max(0, instance.expiresAt.getTime() - now.getTime());
  const retention = deps.snapshots.retentionDays;
  const hourly = deps.store.ledger.get(instance.id)?.price.hourly ?? null;
  let hibernation: Hibernation | null = null;
  let keptAddress: string | null = null;
  const wakeableUntil = new Date(now.getTime() + settings.maxDays * DAY_MS);
  // The deletion frees the work volume: its size is kept with the sleep so the wake attaches it again.
  const volumeGb = deps.store.workVolumes.forInstance(instance.id)?.sizeGb ?? null;
  const result = await saveUnderLease(
    deps,
    actor,
    instance,
    why === "idle" ? "hibernated (idle)" : "hibernated",
    {
      labels: { [HIBERNATION_LABEL]: "true" },
      description: `${instance.id} hibernated by ccc`,
      // Wakeable for maxDays, then an ordinary snapshot for the usual retention (with its reminder).
      expiresAt: new Date(now.getTime() + (settings.maxDays + retention) * DAY_MS),
      // A hibernation is not one of the person's saves: their snapshot quota does not stop it.
      maxPerUser: Number.MAX_SAFE_INTEGER,
      quiet: true,
      beforeDelete: async () => {
        hibernation = deps.store.hibernation.sleep(
          instance.id,
          instance.owner,
          now,
          remainingMs,
          hourly,
          volumeGb,
        );
        // The same address after the wake: the server's Primary IPs outlive its deletion.
        keptAddress = (await keepAddresses(deps, instance, wakeableUntil))?.ipv4 ?? null;
      },
    },
  );
  if (result.kind === "failed") return { kind: "failed", instance: result.instance, reason: result.reason };
  const slept =
    hibernation ??
    deps.store.hibernation.sleep(instance.id, instance.owner, now, remainingMs, hourly, volumeGb);
  await deps.notifier.notify({
    kind: "hibernated",
    instance: result.instance,
    snapshot: result.snapshot,
    remainingMs,
    wakeableUntil,
    keptAddress,
  });
  return { kind: "hibernated", instance: result.instance, snapshot: result.snapshot, hibernation: slept };
}

/** What on the machine forbids a hibernation now; a machine that does not answer is not hibernated either. */
async function blockingActivity(deps: CoreDeps, instance: Instance): Promise<ActivityReason[]> {
  if (!deps.machine.activity || !instance.ipv4 || !instance.hostKey) return [];
  const answer = await deps.machine.activity({
    instanceId: instance.id,
    host: instance.ipv4,
    port: deps.timing.sshPort,
    hostKey: instance.hostKey,
  });
  if (answer.kind !== "ok") {
    return [
      {
        kind: "ssh",
        text: `the machine did not answer the activity check (${answer.message})`,
        blocksHibernation: true,
      },
    ];
  }
  const record = deps.store.hibernation.activity(instance.id);
  return activityReasons(answer.activity, record, deps.clock.now()).filter((r) => r.blocksHibernation);
}
