import type Database from "better-sqlite3";

/** One person's secret as stored: the value only sealed (see core/secrets/secret-cipher.ts). */
export interface StoredSecret {
  owner: string;
  name: string;
  kind: string;
  /** `v1.<nonce>.<ciphertext+tag>`, base64: opens only with the key `keyId` names. */
  sealed: string;
  keyId: string;
  setAt: Date;
  setBy: string;
  /** Last delivered to a machine or read by ccc itself (a clone); null when never. */
  usedAt: Date | null;
}

interface SecretRow {
  owner: string;
  name: string;
  kind: string;
  sealed: string;
  key_id: string;
  set_at: number;
  set_by: string;
  used_at: number | null;
}

const fromRow = (r: SecretRow): StoredSecret => ({
  owner: r.owner,
  name: r.name,
  kind: r.kind,
  sealed: r.sealed,
  keyId: r.key_id,
  setAt: new Date(r.set_at),
  setBy: r.set_by,
  usedAt: r.used_at === null ? null : new Date(r.used_at),
});

/** People's secrets, sealed (its migration: `CREATE TABLE secrets`). Only `Store` creates it. */
export class SecretTable {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      put: db.prepare(
        `INSERT INTO secrets (owner, name, kind, sealed, key_id, set_at, set_by)
         VALUES (@owner, @name, @kind, @sealed, @keyId, @setAt, @setBy)
         ON CONFLICT (owner, name) DO UPDATE SET kind = excluded.kind, sealed = excluded.sealed,
           key_id = excluded.key_id, set_at = excluded.set_at, set_by = excluded.set_by`,
      ),
      get: db.prepare("SELECT * FROM secrets WHERE owner = ? AND name = ?"),
      ofOwner: db.prepare("SELECT * FROM secrets WHERE owner = ? ORDER BY name"),
      all: db.prepare("SELECT * FROM secrets ORDER BY owner, name"),
      count: db.prepare("SELECT count(*) AS n FROM secrets WHERE owner = ?"),
      remove: db.prepare("DELETE FROM secrets WHERE owner = ? AND name = ?"),
      used: db.prepare("UPDATE secrets SET used_at = ? WHERE owner = ? AND name = ?"),
      reseal: db.prepare(
        "UPDATE secrets SET sealed = ?, key_id = ? WHERE owner = ? AND name = ? AND key_id = ?",
      ),
      keyIds: db.prepare("SELECT key_id, count(*) AS n FROM secrets GROUP BY key_id ORDER BY n DESC"),
    };
  }

  put(secret: Omit<StoredSecret, "usedAt">): void {
    this.statements.put.run({ ...secret, setAt: secret.setAt.getTime() });
  }

  get(owner: string, name: string): StoredSecret | null {
    const row = this.statements.get.get(owner, name) as SecretRow | undefined;
    return row ? fromRow(row) : null;
  }

  ofOwner(owner: string): StoredSecret[] {
    return (this.statements.ofOwner.all(owner) as SecretRow[]).map(fromRow);
  }

  all(): StoredSecret[] {
    return (this.statements.all.all() as SecretRow[]).map(fromRow);
  }

  count(owner: string): number {
    return (this.statements.count.get(owner) as { n: number }).n;
  }

  /** False when there was no such secret. */
  remove(owner: string, name: string): boolean {
    return this.statements.remove.run(owner, name).changes > 0;
  }

  markUsed(owner: string, names: readonly string[], at: Date): void {
    this.db.transaction(() => {
      for (const name of names) this.statements.used.run(at.getTime(), owner, name);
    })();
  }

  /** How many secrets each key id seals, most first. */
  keyIds(): { keyId: string; count: number }[] {
    return (this.statements.keyIds.all() as { key_id: string; n: number }[]).map((r) => ({
      keyId: r.key_id,
      count: r.n,
    }));
  }

  /**
   * Replaces every value in one transaction: all move to the new key or none does. `reseal` answers
   * the new sealed text of one row (it may throw, which leaves every row as it was).
   */
  resealAll(newKeyId: string, reseal: (secret: StoredSecret) => string): number {
    return this.db
      .transaction(() => {
        const rows = this.all();
        for (const row of rows) {
          const changed = this.statements.reseal.run(reseal(row), newKeyId, row.owner, row.name, row.keyId);
          if (changed.changes !== 1) throw new Error(`secret ${row.name} changed during the rotation`);
        }
        return rows.length;
      })
      .immediate();
  }
}
