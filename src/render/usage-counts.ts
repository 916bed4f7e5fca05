import type { UsageCounts } from "../core/usage/usage-report.ts";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * "2 machines, 1 snapshot": what a usage row counts, each kind apart; machines always named (also
 * when none), volumes and snapshots only when there are some.
 */
export function countsPhrase(c: UsageCounts): string {
  const parts = [plural(c.machines, "machine")];
  if (c.volumes > 0) parts.push(plural(c.volumes, "volume"));
  if (c.snapshots > 0) parts.push(plural(c.snapshots, "snapshot"));
  return parts.join(", ");
}
