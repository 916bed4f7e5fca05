import type Database from "better-sqlite3";

/**
 * Keys of requests already acted on (migration 3), over the instance store's connection. Shared by
 * every process on the database, so a replay sent to another one is caught too. Times are epoch ms.
 */
export class SeenRequestStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      forget: db.prepare("DELETE FROM seen_requests WHERE seen_at <= ?"),
      remember: db.prepare("INSERT OR IGNORE INTO seen_requests (key, seen_at) VALUES (?, ?)"),
      count: db.prepare("SELECT count(*) AS n FROM seen_requests"),
    };
  }

  /**
   * Records `key` as seen at `now`. True the first time within `keepMs`; false for a repeat. Keys
   * older than `keepMs` are forgotten on the way, so the table holds only the last `keepMs`.
   */
  firstSight(key: string, now: number, keepMs: number): boolean {
    return this.db
      .transaction(() => {
        this.statements.forget.run(now - keepMs);
        return this.statements.remember.run(key, now).changes === 1;
      })
      .immediate();
  }

  /** How many keys are kept (for tests and health). */
  size(): number {
    return (this.statements.count.get() as { n: number }).n;
  }
}
