import type Database from "better-sqlite3";

/** A push of an instance's state that has not reached its machine yet. Times are epoch ms. */
export interface MachinePush {
  instanceId: string;
  /** The latest expiry the machine should show. */
  expiresAt: number;
  /** Failed tries since the last extend. */
  attempts: number;
  nextAt: number;
  lastError: string | null;
  /** Stopped by a host-key mismatch: left for an admin, not retried by the sweep. */
  alarm: boolean;
}

interface MachinePushRow {
  instance_id: string;
  expires_at: number;
  attempts: number;
  next_at: number;
  last_error: string | null;
  alarm: number;
}

/** Pending machine pushes (migration 5), over the store's connection. Only `Store` creates it. */
export class MachinePushTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      // A newer extend resets the backoff and clears an alarm; an older expiry never replaces a newer one.
      want: db.prepare(
        `INSERT INTO machine_pushes (instance_id, expires_at, attempts, next_at, last_error, alarm)
         VALUES (@id, @expiresAt, 0, @nextAt, NULL, 0)
         ON CONFLICT (instance_id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at),
           attempts = 0, next_at = excluded.next_at, alarm = 0`,
      ),
      get: db.prepare("SELECT * FROM machine_pushes WHERE instance_id = ?"),
      due: db.prepare(
        "SELECT instance_id FROM machine_pushes WHERE alarm = 0 AND next_at <= ? ORDER BY next_at, instance_id",
      ),
      retry: db.prepare(
        "UPDATE machine_pushes SET attempts = @attempts, next_at = @nextAt, last_error = @lastError, alarm = @alarm WHERE instance_id = @id",
      ),
      landed: db.prepare("DELETE FROM machine_pushes WHERE instance_id = ? AND expires_at <= ?"),
      drop: db.prepare("DELETE FROM machine_pushes WHERE instance_id = ?"),
    };
  }

  /** Remembers that the machine should show `expiresAt` (or a later expiry already wanted). */
  want(instanceId: string, expiresAt: number, nextAt: number): void {
    this.statements.want.run({ id: instanceId, expiresAt, nextAt });
  }

  get(instanceId: string): MachinePush | null {
    const row = this.statements.get.get(instanceId) as MachinePushRow | undefined;
    return row
      ? {
          instanceId: row.instance_id,
          expiresAt: row.expires_at,
          attempts: row.attempts,
          nextAt: row.next_at,
          lastError: row.last_error,
          alarm: row.alarm === 1,
        }
      : null;
  }

  /** Instances whose push is due at `now` (alarms excluded). */
  due(now: number): string[] {
    return (this.statements.due.all(now) as { instance_id: string }[]).map((r) => r.instance_id);
  }

  /** Records a failed try: when to try again, or that only an admin (or a new extend) may. */
  failed(instanceId: string, retry: Pick<MachinePush, "attempts" | "nextAt" | "lastError" | "alarm">): void {
    this.statements.retry.run({ id: instanceId, ...retry, alarm: retry.alarm ? 1 : 0 });
  }

  /**
   * The machine now shows `expiresAt`: forgets the push unless a later extend wants more. True when
   * nothing is left to push.
   */
  landed(instanceId: string, expiresAt: number): boolean {
    this.statements.landed.run(instanceId, expiresAt);
    return this.get(instanceId) === null;
  }

  /** The machine is gone or can no longer be reached safely by ccc: nothing to push. */
  drop(instanceId: string): void {
    this.statements.drop.run(instanceId);
  }
}
