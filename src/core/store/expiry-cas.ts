import type Database from "better-sqlite3";

/** Statuses whose deadline may still move: a machine being deleted or gone is not extended. */
const EXTENDABLE_SQL = "status IN ('creating','installing','ready')";

/**
 * Moves `expires_at` from `from` to `to` only while the row still says `from` and the machine is
 * extendable: the compare-and-set that keeps two extends (two processes, two connections) from
 * both building on the same old deadline. True when this call moved it.
 */
export function compareAndSetExpiry(db: Database.Database, id: string, from: Date, to: Date): boolean {
  const result = db
    .prepare(`UPDATE instances SET expires_at = ? WHERE id = ? AND expires_at = ? AND ${EXTENDABLE_SQL}`)
    .run(to.getTime(), id, from.getTime());
  return result.changes === 1;
}
