import type Database from "better-sqlite3";
import { LIVE_STATUSES } from "../instances/instance.ts";

// Written exactly as the partial index `instances_live_expiry` is, so SQLite uses it.
const LIVE_SQL = `status IN (${LIVE_STATUSES.map((s) => `'${s}'`).join(",")})`;

/** A live instance inside the reminder window, with what the reminder pass needs to decide. */
export interface ReminderCandidate {
  id: string;
  expiresAt: number;
  createdAt: number;
  /** When the deadline was last moved by an extend, if ever. */
  extendedAt: number | null;
  /** Offsets already claimed for this deadline. */
  sentOffsets: number[];
}

export interface DeleteRetry {
  attempts: number;
  nextAt: number;
  lastError: string | null;
}

/**
 * The lifecycle jobs' tables (migration 2) on the store's connection: leases, reminders sent and
 * delete retries. Times are epoch milliseconds, as in `instances`. Only `Store` uses this.
 */
export class LifecycleTables {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      dropStaleLease: db.prepare("DELETE FROM leases WHERE name = ? AND expires_at <= ?"),
      insertLease: db.prepare("INSERT OR IGNORE INTO leases (name, holder, expires_at) VALUES (?, ?, ?)"),
      renewLease: db.prepare("UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?"),
      releaseLease: db.prepare("DELETE FROM leases WHERE name = ? AND holder = ?"),
      leaseHolder: db.prepare("SELECT holder FROM leases WHERE name = ? AND expires_at > ?"),
      dueForDelete: db.prepare(
        `SELECT i.id AS id FROM instances i LEFT JOIN delete_retries r ON r.instance_id = i.id
         WHERE i.${LIVE_SQL} AND (i.expires_at <= @now OR i.status = 'deleting')
           AND (r.next_at IS NULL OR r.next_at <= @now)
         ORDER BY i.expires_at`,
      ),
      retry: db.prepare("SELECT attempts, next_at, last_error FROM delete_retries WHERE instance_id = ?"),
      setRetry: db.prepare(
        `INSERT INTO delete_retries (instance_id, attempts, next_at, last_error) VALUES (?, ?, ?, ?)
         ON CONFLICT (instance_id) DO UPDATE SET attempts = excluded.attempts, next_at = excluded.next_at,
           last_error = excluded.last_error`,
      ),
      clearRetry: db.prepare("DELETE FROM delete_retries WHERE instance_id = ?"),
      reminderCandidates: db.prepare(
        `SELECT i.id AS id, i.expires_at AS expires_at, i.created_at AS created_at,
           (SELECT max(e.at) FROM events e WHERE e.instance_id = i.id AND e.kind IN ('extended', 'task_grace')) AS extended_at,
           (SELECT group_concat(r.offset_minutes) FROM reminders_sent r
             WHERE r.instance_id = i.id AND r.deadline = i.expires_at) AS sent
         FROM instances i
         WHERE i.${LIVE_SQL} AND i.status != 'deleting' AND i.expires_at > @now AND i.expires_at <= @horizon
         ORDER BY i.expires_at`,
      ),
      claimReminder: db.prepare(
        `INSERT OR IGNORE INTO reminders_sent (instance_id, deadline, offset_minutes, sent_at)
         VALUES (?, ?, ?, ?)`,
      ),
      unclaimReminder: db.prepare(
        "DELETE FROM reminders_sent WHERE instance_id = ? AND deadline = ? AND offset_minutes = ?",
      ),
    };
  }

  /**
   * Takes the named lease for `holder` unless someone holds it unexpired (itself included: leases
   * are not re-entrant, so two jobs of one process exclude each other too).
   */
  acquireLease(name: string, holder: string, expiresAt: number, now: number): boolean {
    return this.db
      .transaction(() => {
        this.statements.dropStaleLease.run(name, now);
        return this.statements.insertLease.run(name, holder, expiresAt).changes === 1;
      })
      .immediate();
  }

  /** False when the lease was lost (it expired and someone else took it). */
  renewLease(name: string, holder: string, expiresAt: number): boolean {
    return this.statements.renewLease.run(expiresAt, name, holder).changes === 1;
  }

  releaseLease(name: string, holder: string): void {
    this.statements.releaseLease.run(name, holder);
  }

  /** Who holds the lease now, if anyone. */
  leaseHolder(name: string, now: number): string | null {
    const row = this.statements.leaseHolder.get(name, now) as { holder: string } | undefined;
    return row?.holder ?? null;
  }

  /** Ids of live instances due for deletion at `now` (expired or stuck `deleting`) whose retry is due. */
  dueForDelete(now: number): string[] {
    return (this.statements.dueForDelete.all({ now }) as { id: string }[]).map((r) => r.id);
  }

  deleteRetry(instanceId: string): DeleteRetry | null {
    const row = this.statements.retry.get(instanceId) as
      | { attempts: number; next_at: number; last_error: string | null }
      | undefined;
    return row ? { attempts: row.attempts, nextAt: row.next_at, lastError: row.last_error } : null;
  }

  setDeleteRetry(instanceId: string, retry: DeleteRetry): void {
    this.statements.setRetry.run(instanceId, retry.attempts, retry.nextAt, retry.lastError);
  }

  clearDeleteRetry(instanceId: string): void {
    this.statements.clearRetry.run(instanceId);
  }

  /** Live, not-being-deleted instances whose deadline lies in `(now, horizon]`. */
  reminderCandidates(now: number, horizon: number): ReminderCandidate[] {
    const rows = this.statements.reminderCandidates.all({ now, horizon }) as {
      id: string;
      expires_at: number;
      created_at: number;
      extended_at: number | null;
      sent: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      expiresAt: r.expires_at,
      createdAt: r.created_at,
      extendedAt: r.extended_at,
      sentOffsets: r.sent ? r.sent.split(",").map(Number) : [],
    }));
  }

  /** True for the one caller that claims this reminder; everyone else is told it is taken. */
  claimReminder(instanceId: string, deadline: number, offsetMinutes: number, now: number): boolean {
    return this.statements.claimReminder.run(instanceId, deadline, offsetMinutes, now).changes === 1;
  }

  /** Gives a claim back after a send failed, so the next pass tries again. */
  unclaimReminder(instanceId: string, deadline: number, offsetMinutes: number): void {
    this.statements.unclaimReminder.run(instanceId, deadline, offsetMinutes);
  }
}
