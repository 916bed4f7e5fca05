import * as z from "zod";
import { runSweep, type SweepSummary } from "../core/lifecycle/sweep.ts";
import { instanceJson } from "../render/json.ts";
import { pushRetryLine } from "../render/machine-push.ts";
import { volumeRetentionLine } from "../render/volumes.ts";
import { defineCommand } from "./command.ts";

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
  for (const p of summary.pushes) lines.push(pushRetryLine(p.instanceId, p.outcome));
  for (const v of summary.volumes ?? []) lines.push(volumeRetentionLine(v));
  return lines.length > 0 ? lines.join("\n") : "Nothing has expired.";
}

export function checkExpiredJson(summary: SweepSummary) {
  return {
    outcomes: summary.outcomes.map((o) => ({
      ...instanceJson(o.instance),
      error: o.error,
      retryAt: o.retryAt?.toISOString() ?? null,
    })),
    busy: summary.busy,
    pushes: summary.pushes.map((p) => ({
      id: p.instanceId,
      machine: p.outcome.kind,
      retryAt: p.outcome.kind === "pending" ? p.outcome.retryAt.toISOString() : null,
    })),
    volumes: summary.volumes ?? [],
  };
}

/** The expiry sweep once (what the bot's scheduler does every minute), for cron without the bot. */
export const checkExpiredCommand = defineCommand({
  name: "check-expired",
  summary: "delete every machine past its expiry and tell its owner (run it from cron every minute)",
  input: z.object({}),
  audience: "admin",
  run: (ctx) => runSweep(ctx.deps),
  text: checkExpiredText,
  json: checkExpiredJson,
  failed: checkExpiredFailed,
  doors: {
    cli: {
      needs: { cloud: true, notifies: true },
      examples: [
        "ccc check-expired",
        "* * * * * cd /path/to/ccc && (npx ccc check-expired; npx ccc remind) >> data/cron.log 2>&1",
      ],
      input: () => ({}),
    },
  },
});
