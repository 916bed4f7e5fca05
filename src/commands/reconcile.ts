import * as z from "zod";
import { type ReconcileFinding, type ReconcileSummary, runReconcile } from "../core/lifecycle/reconcile.ts";
import { textTable } from "../render/text.ts";
import { volumeFindingLines } from "../render/volumes.ts";
import { defineCommand } from "./command.ts";

export const reconcileInput = z.object({
  /** Unknown servers younger than this are left alone. */
  graceMinutes: z.number().int().min(0),
  dryRun: z.boolean().default(false),
});

export function reconcileFailed(summary: ReconcileSummary): boolean {
  return (
    summary.refused !== undefined ||
    summary.findings.some((f) => f.outcome === "failed") ||
    (summary.volumes ?? []).some((f) => f.outcome === "failed")
  );
}

const ACTIONS: Record<ReconcileFinding["action"], [done: string, wouldDo: string]> = {
  delete_server: ["deleted the server", "would delete the server"],
  adopt: ["adopted: recorded from its labels, admins told", "would adopt it from its labels"],
  wait: ["left alone (within grace)", "would leave alone (within grace)"],
  mark_deleted: ["marked deleted, owner told", "would mark deleted and tell the owner"],
  resume: ["resumed: ready", "would resume the provision"],
  fail: ["marked failed, owner told", "would mark failed and tell the owner"],
  fail_and_delete: ["failed, server deleted, owner told", "would fail it, delete the server, tell the owner"],
  delete_image: ["deleted the image, admins told", "would delete the image"],
  close_snapshot: ["closed the snapshot's record", "would close the snapshot's record"],
  delete_address: ["deleted the address, admins told", "would delete the address"],
};

function what(f: ReconcileFinding): string {
  const [done, wouldDo] = ACTIONS[f.action];
  if (f.outcome === "dry_run") return wouldDo;
  if (f.outcome === "busy") return "skipped: another ccc process is acting on it";
  if (f.outcome === "started") return "resuming in the background";
  if (f.outcome === "failed") return `FAILED (${f.action}): ${f.error ?? "unknown error"}`;
  return done;
}

export function reconcileText(summary: ReconcileSummary): string {
  const head = `${summary.servers} ccc server${summary.servers === 1 ? "" : "s"} at Hetzner, ${summary.liveRows} live in the store${summary.dryRun ? " (dry run: nothing changed)" : ""}.`;
  if (summary.refused) return `${head}\nRefused: ${summary.refused}`;
  const volumes = volumeFindingLines(summary.volumes ?? []);
  if (summary.findings.length === 0) return `${head}\n${volumes || "Everything matches."}`;
  const table = textTable(
    ["KIND", "INSTANCE", "SERVER", "FOUND", "ACTION"],
    summary.findings.map((f) => [
      f.kind,
      f.instanceId ?? "-",
      f.serverId === null ? "-" : String(f.serverId),
      f.detail,
      what(f),
    ]),
  );
  return `${head}\n${table}${volumes ? `\n${volumes}` : ""}`;
}

/** Compares Hetzner's ccc servers with the store once and repairs (or with `dryRun` only lists) the differences. */
export const reconcileCommand = defineCommand({
  name: "reconcile",
  summary:
    "compare ccc's servers at Hetzner with the store: delete orphans, close records of vanished servers, recover interrupted provisions",
  input: reconcileInput,
  audience: "admin",
  run: (ctx, input) => runReconcile(ctx.deps, input),
  text: reconcileText,
  json: (summary) => summary,
  failed: reconcileFailed,
  doors: {
    cli: {
      options: [{ flags: "--dry-run", description: "only list what is found and what would be done" }],
      needs: { cloud: true, notifies: true },
      examples: ["ccc reconcile --dry-run", "*/10 * * * * cd /path/to/ccc && npx ccc reconcile"],
      input: ({ options, config }) => ({
        graceMinutes: config.lifecycle.orphanGraceMinutes,
        dryRun: Boolean(options.dryRun),
      }),
    },
  },
});
