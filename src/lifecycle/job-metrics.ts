import type { ReconcileFinding } from "../core/lifecycle/reconcile.ts";
import type { ReminderOutcome } from "../core/lifecycle/reminders.ts";
import type { SweepOutcome } from "../core/lifecycle/sweep.ts";
import type { Metrics } from "../core/ports/metrics.ts";

// Read from what the jobs return, so the jobs themselves stay free of counting.

/** A locked server is busy, not broken: like the admins' alert, it is no failed delete. */
export function countSweep(metrics: Metrics, outcomes: readonly SweepOutcome[]): void {
  for (const o of outcomes) if (o.error && !o.locked) metrics.deleteFailed("sweep");
}

export function countReminders(metrics: Metrics, reminders: readonly ReminderOutcome[]): void {
  for (const r of reminders) metrics.reminderSent(r.delivery);
}

/**
 * Orphans reconcile set out to delete. One within its grace is not counted (it may be a provision
 * of another process still recording it), nor one another process is already deleting.
 */
export function countReconcile(metrics: Metrics, findings: readonly ReconcileFinding[]): void {
  for (const f of findings) {
    if (f.kind !== "orphan" || (f.outcome !== "done" && f.outcome !== "failed")) continue;
    metrics.orphanFound();
    if (f.outcome === "failed") metrics.deleteFailed("reconcile");
  }
}
