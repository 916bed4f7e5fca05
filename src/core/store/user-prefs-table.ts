import type Database from "better-sqlite3";

/**
 * What a person chose once and ccc should remember: defaults for their next request (the modal and
 * `again` start from them) and what happens to their machines at expiry. Every field is optional;
 * absent means "the operator's default".
 */
export interface UserPrefs {
  serverType?: string;
  location?: string;
  hours?: number;
  /** Extra nixpkgs attribute names. */
  packages?: string[];
  /** Ask for the person's work volume. */
  keepWork?: boolean;
  /** The expiry sweep snapshots the machine before deleting it. */
  saveOnExpiry?: boolean;
  /** The repository a new machine starts from (owner/name[@branch] or a URL), as last asked for. */
  repo?: string;
  /** A dotfiles repository cloned on every machine, its install.sh run. */
  dotfiles?: string;
  /** git's user.name and user.email on the machines (else the Slack profile's). */
  gitName?: string;
  gitEmail?: string;
  /** Minutes idle before the person's machines hibernate; 0 is never. */
  idleMinutes?: number;
}

interface UserPrefsRow {
  prefs: string;
}

/** People's preferences (one JSON document each), over the store's connection. Only `Store` creates it. */
export class UserPrefsTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      get: db.prepare("SELECT prefs FROM user_prefs WHERE user = ?"),
      put: db.prepare(
        `INSERT INTO user_prefs (user, prefs, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (user) DO UPDATE SET prefs = excluded.prefs, updated_at = excluded.updated_at`,
      ),
    };
  }

  /** The person's preferences; `{}` for someone who never set any. */
  get(user: string): UserPrefs {
    const row = this.statements.get.get(user) as UserPrefsRow | undefined;
    return row ? (JSON.parse(row.prefs) as UserPrefs) : {};
  }

  /**
   * Merges `patch` into the person's preferences and returns the result. A field set to
   * `undefined` in the patch is cleared (back to the operator's default).
   */
  update(user: string, patch: Partial<Record<keyof UserPrefs, unknown>>, at: Date): UserPrefs {
    const merged: Record<string, unknown> = { ...this.get(user) };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) delete merged[key];
      else merged[key] = value;
    }
    this.statements.put.run(user, JSON.stringify(merged), at.getTime());
    return merged as UserPrefs;
  }
}
