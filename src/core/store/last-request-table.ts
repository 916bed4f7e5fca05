import type Database from "better-sqlite3";

/** What a person last asked for and got: `again` asks for the same. */
export interface LastRequest {
  serverType: string;
  location: string;
  hours: number;
  packages: string[];
  /** The work-volume choice, once machines can keep work (absent: no volume). */
  keepWork?: boolean;
  /** The repository it started from, and whether with all history. */
  repo?: string;
  fullClone?: boolean;
}

/** Each person's last successful request (one JSON document each). Only `Store` creates it. */
export class LastRequestTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      get: db.prepare("SELECT request FROM last_requests WHERE user = ?"),
      put: db.prepare(
        `INSERT INTO last_requests (user, request, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (user) DO UPDATE SET request = excluded.request, updated_at = excluded.updated_at`,
      ),
    };
  }

  /** The person's last request, or null when they never had a machine handed over. */
  get(user: string): LastRequest | null {
    const row = this.statements.get.get(user) as { request: string } | undefined;
    return row ? (JSON.parse(row.request) as LastRequest) : null;
  }

  put(user: string, request: LastRequest, at: Date): void {
    this.statements.put.run(user, JSON.stringify(request), at.getTime());
  }
}
