import type Database from "better-sqlite3";

/** Counts read from the audit trail (the `events` table), over the store's connection. Only `Store` creates it. */
export class AuditCounts {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      // Every machine starts with one `requested` event; a deleted machine keeps it, so a
      // create-and-delete loop is counted in full.
      creations: db.prepare(
        `SELECT count(*) AS n FROM events e JOIN instances i ON i.id = e.instance_id
         WHERE i.owner = ? AND e.kind = 'requested' AND e.at >= ?`,
      ),
    };
  }

  /** Machines requested for `owner` at or after `since` (epoch ms), whatever became of them. */
  creationsSince(owner: string, since: number): number {
    return (this.statements.creations.get(owner, since) as { n: number }).n;
  }
}
