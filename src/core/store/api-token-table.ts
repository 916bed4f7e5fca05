import type Database from "better-sqlite3";

/** A personal API token as stored: never the secret itself, only its SHA-256. */
export interface ApiToken {
  id: string;
  user: string;
  name: string;
  /** The secret's first characters (`ccc_ab12`), so a person can tell their tokens apart. */
  prefix: string;
  /**
   * Made with the former `--admin`. Grants nothing any more: a token's admin right is its person's
   * (CCC_ADMINS and Slack's record), checked on every request.
   */
  admin: boolean;
  createdAt: Date;
  createdBy: string;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewApiToken extends Omit<ApiToken, "lastUsedAt" | "revokedAt"> {
  /** Hex SHA-256 of the whole secret. */
  hash: string;
}

interface ApiTokenRow {
  id: string;
  user: string;
  name: string;
  prefix: string;
  admin: number;
  created_at: number;
  created_by: string;
  last_used_at: number | null;
  revoked_at: number | null;
}

const fromRow = (r: ApiTokenRow): ApiToken => ({
  id: r.id,
  user: r.user,
  name: r.name,
  prefix: r.prefix,
  admin: r.admin === 1,
  createdAt: new Date(r.created_at),
  createdBy: r.created_by,
  lastUsedAt: r.last_used_at === null ? null : new Date(r.last_used_at),
  revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
});

/** Personal API tokens (hashes only), over the store's connection. Only `Store` creates it. */
export class ApiTokenTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO api_tokens (id, user, name, prefix, hash, admin, created_at, created_by)
         VALUES (@id, @user, @name, @prefix, @hash, @admin, @createdAt, @createdBy)`,
      ),
      byHash: db.prepare("SELECT * FROM api_tokens WHERE hash = ? AND revoked_at IS NULL"),
      get: db.prepare("SELECT * FROM api_tokens WHERE id = ?"),
      all: db.prepare("SELECT * FROM api_tokens ORDER BY created_at, id"),
      ofUser: db.prepare("SELECT * FROM api_tokens WHERE user = ? ORDER BY created_at, id"),
      used: db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?"),
      revoke: db.prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
    };
  }

  add(token: NewApiToken): ApiToken {
    this.statements.insert.run({
      ...token,
      admin: token.admin ? 1 : 0,
      createdAt: token.createdAt.getTime(),
    });
    return { ...token, lastUsedAt: null, revokedAt: null };
  }

  /** The live (not revoked) token with this hash. */
  byHash(hash: string): ApiToken | undefined {
    const row = this.statements.byHash.get(hash) as ApiTokenRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  get(id: string): ApiToken | undefined {
    const row = this.statements.get.get(id) as ApiTokenRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** One person's tokens, or everyone's; revoked ones included, oldest first. */
  list(user?: string): ApiToken[] {
    const rows = (
      user === undefined ? this.statements.all.all() : this.statements.ofUser.all(user)
    ) as ApiTokenRow[];
    return rows.map(fromRow);
  }

  markUsed(id: string, at: Date): void {
    this.statements.used.run(at.getTime(), id);
  }

  /** False when it was revoked already. */
  revoke(id: string, at: Date): boolean {
    return this.statements.revoke.run(at.getTime(), id).changes > 0;
  }
}
