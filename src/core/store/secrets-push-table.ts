import type Database from "better-sqlite3";

/** A machine that could not be given its owner's secrets when they changed. Times are epoch ms. */
export interface SecretsPush {
  instanceId: string;
  /** Failed tries since the change. */
  attempts: number;
  nextAt: number;
  /** Safe to show: ccc's own sentence, never a value. */
  lastError: string | null;
}

interface SecretsPushRow {
  instance_id: string;
  attempts: number;
  next_at: number;
  last_error: string | null;
}

/**
 * Secrets deliveries owed to machines, retried by the sweep. A row says only "send the current set
 * again": the values are read from the secrets table at each try, so a later change is what arrives.
 */
export class SecretsPushTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      owe: db.prepare(
        `INSERT INTO secrets_pushes (instance_id, attempts, next_at, last_error)
         VALUES (@id, @attempts, @nextAt, @lastError)
         ON CONFLICT (instance_id) DO UPDATE SET attempts = excluded.attempts,
           next_at = excluded.next_at, last_error = excluded.last_error`,
      ),
      get: db.prepare("SELECT * FROM secrets_pushes WHERE instance_id = ?"),
      due: db.prepare(
        "SELECT instance_id FROM secrets_pushes WHERE next_at <= ? ORDER BY next_at, instance_id",
      ),
      drop: db.prepare("DELETE FROM secrets_pushes WHERE instance_id = ?"),
    };
  }

  /** Records a failed delivery: how many tries so far, when to try again and why it failed. */
  owe(push: SecretsPush): void {
    this.statements.owe.run({
      id: push.instanceId,
      attempts: push.attempts,
      nextAt: push.nextAt,
      lastError: push.lastError,
    });
  }

  get(instanceId: string): SecretsPush | null {
    const row = this.statements.get.get(instanceId) as SecretsPushRow | undefined;
    return row
      ? {
          instanceId: row.instance_id,
          attempts: row.attempts,
          nextAt: row.next_at,
          lastError: row.last_error,
        }
      : null;
  }

  /** Machines whose delivery is due at `now`. */
  due(now: number): string[] {
    return (this.statements.due.all(now) as { instance_id: string }[]).map((r) => r.instance_id);
  }

  /** The machine has the current set (or is gone): nothing is owed. */
  drop(instanceId: string): void {
    this.statements.drop.run(instanceId);
  }
}
