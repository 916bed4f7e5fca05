import type { CoreDeps } from "../deps.ts";
import { isRefusal } from "../errors.ts";
import { SYSTEM_ACTOR } from "../instances/actor.ts";
import { instanceLease, withLease } from "../lifecycle/leases.ts";
import type { Snapshot } from "../store/store.ts";
import { type SaveResult, saveUnderLease } from "./save.ts";
import { SNAPSHOT_REMINDER_MS } from "./snapshot-policy.ts";

export interface SnapshotSweepSummary {
  /** Expired machines saved (or whose save failed) instead of plainly deleted. */
  saved: SaveResult[];
  /** Snapshots whose owner was reminded that they go in a day. */
  reminded: string[];
  /** Snapshots deleted at the end of their retention. */
  deleted: string[];
}

/**
 * The expiry sweep's snapshot part, run before its deletes: saves the expired machines of people
 * who chose save on expiry (a machine is saved at most once: after a failed save the plain delete
 * follows), and ends snapshots' retention, never without the reminder a day before.
 */
export async function runSnapshotSweep(deps: CoreDeps): Promise<SnapshotSweepSummary> {
  const summary: SnapshotSweepSummary = { saved: [], reminded: [], deleted: [] };
  await saveOnExpiry(deps, summary);
  await endRetention(deps, summary);
  return summary;
}

async function saveOnExpiry(deps: CoreDeps, summary: SnapshotSweepSummary): Promise<void> {
  const now = deps.clock.now().getTime();
  for (const id of deps.store.dueForDelete(now)) {
    const due = deps.store.get(id);
    if (due?.status !== "ready" || due.expiresAt.getTime() > now) continue;
    if (!deps.store.prefs.get(due.owner).saveOnExpiry || deps.store.snapshots.get(id)) continue;
    const attempt = await withLease(deps, instanceLease(id), async () => {
      const current = deps.store.get(id);
      if (current?.status !== "ready") return null;
      try {
        return await saveUnderLease(deps, SYSTEM_ACTOR, current, "expired, saved first");
      } catch (error) {
        // A full quota (or a machine already saved): the plain delete follows, as without the preference.
        if (!isRefusal(error)) throw error;
        deps.store.recordEvent(id, {
          actor: "ccc",
          kind: "save_skipped",
          detail: String((error as Error).message),
        });
        return null;
      }
    });
    if (attempt.taken && attempt.value) summary.saved.push(attempt.value);
  }
}

async function endRetention(deps: CoreDeps, summary: SnapshotSweepSummary): Promise<void> {
  const now = deps.clock.now();
  for (const snapshot of deps.store.snapshots.dueBy(new Date(now.getTime() + SNAPSHOT_REMINDER_MS))) {
    const reminded = snapshot.remindedFor?.getTime() === snapshot.expiresAt.getTime();
    if (snapshot.expiresAt.getTime() <= now.getTime() && reminded) {
      await deleteAtRetentionEnd(deps, snapshot, summary);
      continue;
    }
    if (reminded) continue;
    // Nobody was told yet (the sweep did not run for a while): the owner still gets their day.
    const deadline =
      snapshot.expiresAt.getTime() - now.getTime() < SNAPSHOT_REMINDER_MS / 2
        ? deps.store.snapshots.keep(snapshot.id, new Date(now.getTime() + SNAPSHOT_REMINDER_MS)).expiresAt
        : snapshot.expiresAt;
    if (!deps.store.snapshots.claimReminder(snapshot.id, deadline)) continue;
    const instance = deps.store.get(snapshot.id);
    const current = deps.store.snapshots.get(snapshot.id) ?? snapshot;
    if (instance) await deps.notifier.notify({ kind: "snapshot_expiring", instance, snapshot: current });
    deps.store.recordEvent(snapshot.id, {
      actor: "ccc",
      kind: "snapshot_reminded",
      detail: deadline.toISOString(),
    });
    summary.reminded.push(snapshot.id);
  }
}

async function deleteAtRetentionEnd(
  deps: CoreDeps,
  snapshot: Snapshot,
  summary: SnapshotSweepSummary,
): Promise<void> {
  try {
    if (snapshot.imageId !== null) await deps.cloud.deleteImage(snapshot.imageId);
  } catch (error) {
    // Left available and due: the next pass tries again.
    deps.log.error("snapshot delete failed", { snapshot: snapshot.id, reason: String(error) });
    return;
  }
  const closed = deps.store.snapshots.deleted(snapshot.id, deps.clock.now(), "retention ended");
  deps.store.recordEvent(snapshot.id, { actor: "ccc", kind: "snapshot_deleted", detail: "retention ended" });
  const instance = deps.store.get(snapshot.id);
  if (instance) await deps.notifier.notify({ kind: "snapshot_deleted", instance, snapshot: closed });
  summary.deleted.push(snapshot.id);
}
