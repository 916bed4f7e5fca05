import { runSweep, type SweepSummary } from "../core/lifecycle/sweep.ts";
import type { CommandContext } from "./context.ts";

/** Runs the expiry sweep once (what the scheduler does every minute). */
export function checkExpired(ctx: CommandContext): Promise<SweepSummary> {
  return runSweep(ctx.deps);
}

export function checkExpiredFailed(summary: SweepSummary): boolean {
  return summary.outcomes.some((o) => o.error && !o.locked);
}

export function checkExpiredText(summary: SweepSummary): string {
  const lines = summary.outcomes.map((o) =>
    o.locked
      ? `${o.instance.id}: its server is busy at Hetzner, delete retried from ${o.retryAt?.toISOString() ?? "the next sweep"}`
      : o.error
        ? `${o.instance.id}: delete failed, retried from ${o.retryAt?.toISOString() ?? "the next sweep"}: ${o.error}`
        : `${o.instance.id}: deleted`,
  );
  for (const id of summary.busy) lines.push(`${id}: left to another ccc process acting on it`);
  return lines.length > 0 ? lines.join("\n") : "Nothing has expired.";
}
