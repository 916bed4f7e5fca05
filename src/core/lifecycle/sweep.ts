import type { CoreDeps } from "../deps.ts";
import { SYSTEM_ACTOR } from "../instances/actor.ts";
import { deprovision, isLocked } from "../instances/deprovision.ts";
import { type Instance, isLive } from "../instances/instance.ts";
import type { SecretsDelivery } from "../secrets/deliver-secrets.ts";
import { retrySecretsPushes } from "../secrets/retry-secrets.ts";
import { runSnapshotSweep, type SnapshotSweepSummary } from "../snapshots/snapshot-sweep.ts";
import { EXPIRED_REASON } from "../tasks/task-machine-gone.ts";
import { machineCost } from "../usage/machine-cost.ts";
import { instanceLease, withLease } from "./leases.ts";
import { type PushRetry, retryMachinePushes } from "./push-retries.ts";
import { retryDelayMs } from "./retry-delay.ts";
import { runVolumeRetention, type VolumeRetentionOutcome } from "./volume-retention.ts";

export interface SweepOutcome {
  instance: Instance;
  /** `null` when the delete worked. */
  error: string | null;
  /** When a failed delete is tried again. */
  retryAt: Date | null;
  /** The server was busy with another action (Hetzner's `locked`): not a failure, only later. */
  locked: boolean;
}

export interface SweepSummary {
  outcomes: SweepOutcome[];
  /** Due instances another holder was acting on; they are left to it. */
  busy: string[];
  /** Extends retried towards their machines. */
  pushes: PushRetry[];
  /** Secrets deliveries retried towards machines that missed a change. */
  secrets?: SecretsDelivery[];
  /** Saves on expiry and snapshots' retention. */
  snapshots?: SnapshotSweepSummary;
  /** Work volume reminders and deletions. */
  volumes?: VolumeRetentionOutcome[];
}

export { retryDelayMs } from "./retry-delay.ts";

/** After this many failed deletes in a row the admins hear about it (once). */
export const ALERT_AFTER_ATTEMPTS = 3;

/** A server locked by another action is free again within minutes: try again soon, and quietly. */
export const LOCKED_RETRY_MS = 60_000;

/**
 * Deletes every instance past its expiry (or stuck in `deleting`) and tells the owner. A failed
 * delete stays due and is retried with backoff; one failure never stops the rest.
 */
export async function runSweep(deps: CoreDeps): Promise<SweepSummary> {
  const summary: SweepSummary = { outcomes: [], busy: [], pushes: [] };
  // Before the deletes: an expired machine whose owner chose so is saved (and deleted by the save).
  summary.snapshots = await runSnapshotSweep(deps);
  for (const id of deps.store.dueForDelete(deps.clock.now().getTime())) {
    const attempt = await withLease(deps, instanceLease(id), () => sweepOne(deps, id));
    if (!attempt.taken) summary.busy.push(id);
    else if (attempt.value) summary.outcomes.push(attempt.value);
  }
  summary.pushes = await retryMachinePushes(deps);
  summary.secrets = await retrySecretsPushes(deps);
  summary.volumes = await runVolumeRetention(deps);
  return summary;
}

async function sweepOne(deps: CoreDeps, id: string): Promise<SweepOutcome | null> {
  // Read again under the lease: another process may have finished it since the query.
  const due = deps.store.get(id);
  if (!due || !isLive(due.status)) return null;
  const now = deps.clock.now();
  const expired = due.expiresAt.getTime() <= now.getTime();
  try {
    const { instance } = await deprovision(
      deps,
      SYSTEM_ACTOR,
      id,
      expired ? EXPIRED_REASON : "retrying a failed delete",
    );
    deps.store.clearDeleteRetry(id);
    // A delete the owner asked for was answered when they asked; only an expiry is news to them.
    if (expired) {
      const cost = machineCost(deps.store, id, now);
      await deps.notifier.notify({ kind: "expired", instance, ...(cost ? { cost } : {}) });
    }
    return { instance, error: null, retryAt: null, locked: false };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const previous = deps.store.deleteRetry(id)?.attempts ?? 0;
    if (isLocked(error)) {
      // Busy, not broken: neither a failure towards the admins' alert nor a reason to back off.
      const retryAt = new Date(deps.clock.now().getTime() + LOCKED_RETRY_MS);
      deps.store.setDeleteRetry(id, { attempts: previous, nextAt: retryAt.getTime(), lastError: message });
      deps.log.warn("expiry delete waits for a locked server", { instance: id, reason: message });
      return { instance: deps.store.get(id) ?? due, error: message, retryAt, locked: true };
    }
    const attempts = previous + 1;
    const retryAt = new Date(deps.clock.now().getTime() + retryDelayMs(attempts));
    deps.store.setDeleteRetry(id, { attempts, nextAt: retryAt.getTime(), lastError: message });
    deps.log.error("expiry delete failed", { instance: id, attempts, reason: message });
    if (attempts === ALERT_AFTER_ATTEMPTS) {
      await deps.notifier.notify({
        kind: "admin_alert",
        text: `Deleting ${id} (server ${due.hetznerServerId ?? "unknown"}) has failed ${attempts} times; it keeps being retried. Last error: ${message}`,
      });
    }
    return { instance: deps.store.get(id) ?? due, error: message, retryAt, locked: false };
  }
}
