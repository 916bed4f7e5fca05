import type { CoreDeps } from "../deps.ts";
import { syncBilling } from "./sync-billing.ts";

/** Admins hear of a sync that keeps failing after this many failed runs in a row. */
export const ALERT_AFTER_FAILURES = 3;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Wait after the nth failure in a row: 1, 2, 4 … minutes, at most an hour. */
export function billingBackoffMs(failures: number): number {
  return Math.min(HOUR_MS, MINUTE_MS * 2 ** Math.max(0, failures - 1));
}

/** A sync went through (the job's or an operator's): the failure count and the alert start over. */
export function recordBillingSuccess(deps: CoreDeps, now: number): void {
  deps.store.billing.setSyncState({
    failures: 0,
    nextAt: Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS,
    lastError: null,
    lastAttemptAt: now,
    lastSuccessAt: now,
    alerted: false,
  });
}

export type BillingJobOutcome = "off" | "not_due" | "synced" | "failed";

/**
 * The scheduler's billing tick (every minute): syncs at the top of each hour, at once after a
 * machine was deleted (its last hours), and after a failure when its backoff has passed. Never
 * throws and never touches a provision: Stripe being down only delays billing.
 */
export async function runBillingJob(deps: CoreDeps): Promise<BillingJobOutcome> {
  if (!deps.billing) return "off";
  const now = deps.clock.now().getTime();
  const state = deps.store.billing.syncState();
  const deleted =
    state.failures === 0 &&
    state.lastAttemptAt !== null &&
    deps.store.billing.deletedSince(state.lastAttemptAt) > 0;
  if (now < state.nextAt && !deleted) return "not_due";
  try {
    const report = await syncBilling(deps, { dryRun: false });
    recordBillingSuccess(deps, now);
    if (report.sent + report.alreadySent > 0 || report.stuck.length > 0) {
      deps.log.info("billing sync", {
        sent: report.sent,
        alreadySent: report.alreadySent,
        customersCreated: report.customersCreated,
        stuck: report.stuck.length,
      });
    }
    if (state.alerted) {
      await deps.notifier.notify({
        kind: "admin_alert",
        text: "Stripe billing works again; pending usage was sent.",
      });
    }
    return "synced";
  } catch (error) {
    const failures = state.failures + 1;
    const alert = failures >= ALERT_AFTER_FAILURES && !state.alerted;
    const reason = error instanceof Error ? error.message : String(error);
    deps.store.billing.setSyncState({
      ...state,
      failures,
      nextAt: now + billingBackoffMs(failures),
      lastError: reason,
      lastAttemptAt: now,
      alerted: state.alerted || alert,
    });
    deps.log.warn("billing sync failed", { failures, reason });
    if (alert) {
      await deps.notifier.notify({
        kind: "admin_alert",
        text: `Stripe billing has failed ${failures} times in a row (last: ${reason}). Usage stays pending and is retried; \`ccc billing status\` shows it.`,
      });
    }
    return "failed";
  }
}
