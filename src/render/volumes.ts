import { centsJson, formatEuros } from "../core/billing/money.ts";
import type { VolumeFinding } from "../core/lifecycle/reconcile-types.ts";
import type { VolumeRetentionOutcome } from "../core/lifecycle/volume-retention.ts";
import type { VolumeView } from "../core/volumes/volume-views.ts";
import { textTable } from "./text.ts";
import { formatUtc } from "./time.ts";

/** "€0.52/month", or "?" when the price list was not at hand. */
export function monthly(v: VolumeView): string {
  return v.monthlyCents === null ? "?" : `${formatEuros(v.monthlyCents)}/month`;
}

/** Where the volume is now: the machine that has it, or since when it has been unused. */
export function volumeUse(v: VolumeView): string {
  return v.attachedTo ?? "—";
}

export function volumeTable(volumes: readonly VolumeView[], showOwner: boolean): string {
  if (volumes.length === 0) return "No work volumes.";
  const headers = [
    "ID",
    ...(showOwner ? ["OWNER"] : []),
    "SIZE",
    "LOCATION",
    "PRICE",
    "ATTACHED",
    "LAST USE",
    "DELETED AFTER",
  ];
  const rows = volumes.map((v) => [
    String(v.id),
    ...(showOwner ? [v.owner] : []),
    `${v.sizeGb} GB`,
    v.location,
    monthly(v),
    volumeUse(v),
    v.attachedTo ? "now" : formatUtc(v.lastUsedAt),
    v.deleteAfter ? formatUtc(v.deleteAfter) : "—",
  ]);
  return textTable(headers, rows);
}

export function volumeJson(v: VolumeView): unknown {
  return {
    id: v.id,
    owner: v.owner,
    location: v.location,
    sizeGb: v.sizeGb,
    monthly: v.monthlyCents === null ? null : centsJson(v.monthlyCents),
    attachedTo: v.attachedTo,
    lastUsedAt: v.lastUsedAt.toISOString(),
    deleteAfter: v.deleteAfter?.toISOString() ?? null,
  };
}

/** One line per retention action, for `ccc check-expired`. */
export function volumeRetentionLine(v: VolumeRetentionOutcome): string {
  if (v.action === "reminded")
    return `volume ${v.volumeId} (${v.owner}): unused, deleted in ${v.daysLeft} days; reminded`;
  if (v.action === "deleted") return `volume ${v.volumeId} (${v.owner}): unused past its retention, deleted`;
  return `volume ${v.volumeId} (${v.owner}): not deleted, tried again next pass: ${v.error}`;
}

const VOLUME_ACTIONS: Record<VolumeFinding["action"], [done: string, wouldDo: string]> = {
  report: ["admins told", "would tell the admins"],
  delete_volume: ["deleted the volume", "would delete the volume"],
  close_row: ["closed its record", "would close its record"],
  keep_attached: ["left alone", "would leave alone"],
};

/** Reconcile's volume findings, one line each; empty when there are none. */
export function volumeFindingLines(findings: readonly VolumeFinding[]): string {
  return findings
    .map((f) => {
      const [done, wouldDo] = VOLUME_ACTIONS[f.action];
      const what = f.outcome === "failed" ? `FAILED: ${f.error}` : f.outcome === "dry_run" ? wouldDo : done;
      return `${f.kind} ${f.volumeId}: ${f.detail}: ${what}`;
    })
    .join("\n");
}
