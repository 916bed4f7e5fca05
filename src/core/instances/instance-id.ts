/**
 * The one spelling of an instance id that every key uses (the store, the per-instance action chain,
 * the duplicate-click gate). Done first, before any lookup or key: `CCC-7F3K2Q` and `ccc-7f3k2q`
 * name the same machine, and two spellings must never count as two machines.
 */
export function normalizeInstanceId(raw: string): string {
  return raw.trim().toLowerCase();
}
