import type Database from "better-sqlite3";
import { LIVE_SQL } from "./instance-rows.ts";

/** A machine that may have hours to bill: its span and where it ran. */
export interface BillableInstance {
  id: string;
  owner: string;
  ownerEmail: string | null;
  serverType: string;
  location: string;
  from: Date;
  /** When it stopped costing; null while it lives. */
  to: Date | null;
}

export interface SentHour {
  identifier: string;
  instanceId: string;
  customerId: string;
  cents: number;
  hourStart: Date;
  result: "sent" | "already_sent" | "nothing_to_bill";
  sentAt: Date;
}

/** The background sync's state: consecutive failures, when to try next, whether admins were told. */
export interface BillingSyncState {
  failures: number;
  nextAt: number;
  lastError: string | null;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  alerted: boolean;
}

/** Stripe customers, meter events sent and the sync's state (migration 9). Only `Store` creates it. */
export class BillingTables {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      customer: db.prepare("SELECT customer_id AS id FROM billing_customers WHERE person = ?"),
      putCustomer: db.prepare(
        `INSERT INTO billing_customers (person, email, customer_id, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (person) DO UPDATE SET email = excluded.email, customer_id = excluded.customer_id`,
      ),
      customers: db.prepare("SELECT count(*) AS n FROM billing_customers"),
      // A machine had a server (it cost something) and lived on or ended within the window. A
      // machine that failed has no deletion time; its last audit event is when it was cleaned up.
      billable: db.prepare(
        `SELECT i.id, i.owner, i.owner_email, i.server_type, i.location, i.created_at,
           CASE WHEN ${LIVE_SQL} THEN NULL
                ELSE coalesce(i.deleted_at, (SELECT max(e.at) FROM events e WHERE e.instance_id = i.id)) END AS ended_at
         FROM instances i
         WHERE i.hetzner_server_id IS NOT NULL AND (${LIVE_SQL} OR coalesce(i.deleted_at, i.expires_at) >= ?)
         ORDER BY i.created_at, i.id`,
      ),
      sentFor: db.prepare("SELECT identifier FROM billing_sent WHERE instance_id = ?"),
      recordSent: db.prepare(
        `INSERT OR IGNORE INTO billing_sent (identifier, instance_id, customer_id, cents, hour_start, result, sent_at)
         VALUES (@identifier, @instanceId, @customerId, @cents, @hourStart, @result, @sentAt)`,
      ),
      lastSent: db.prepare(
        "SELECT max(sent_at) AS at, count(*) AS n, coalesce(sum(cents), 0) AS cents FROM billing_sent WHERE result != 'nothing_to_bill'",
      ),
      state: db.prepare("SELECT * FROM billing_sync WHERE id = 1"),
      putState: db.prepare(
        `INSERT INTO billing_sync (id, failures, next_at, last_error, last_attempt_at, last_success_at, alerted)
         VALUES (1, @failures, @nextAt, @lastError, @lastAttemptAt, @lastSuccessAt, @alerted)
         ON CONFLICT (id) DO UPDATE SET failures = excluded.failures, next_at = excluded.next_at,
           last_error = excluded.last_error, last_attempt_at = excluded.last_attempt_at,
           last_success_at = excluded.last_success_at, alerted = excluded.alerted`,
      ),
      deletedSince: db.prepare(
        "SELECT count(*) AS n FROM instances WHERE hetzner_server_id IS NOT NULL AND deleted_at > ?",
      ),
    };
  }

  customerOf(person: string): string | null {
    return (this.statements.customer.get(person) as { id: string } | undefined)?.id ?? null;
  }

  setCustomer(person: string, email: string, customerId: string, at: Date): void {
    this.statements.putCustomer.run(person, email, customerId, at.getTime());
  }

  customerCount(): number {
    return (this.statements.customers.get() as { n: number }).n;
  }

  /** Machines that live, or ended at or after `since` (epoch ms), that had a server. */
  billableInstances(since: number): BillableInstance[] {
    const rows = this.statements.billable.all(since) as {
      id: string;
      owner: string;
      owner_email: string | null;
      server_type: string;
      location: string;
      created_at: number;
      ended_at: number | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      owner: r.owner,
      ownerEmail: r.owner_email,
      serverType: r.server_type,
      location: r.location,
      from: new Date(r.created_at),
      to: r.ended_at === null ? null : new Date(r.ended_at),
    }));
  }

  /** Identifiers of the instance's hours already recorded as sent. */
  sentIdentifiers(instanceId: string): Set<string> {
    const rows = this.statements.sentFor.all(instanceId) as { identifier: string }[];
    return new Set(rows.map((r) => r.identifier));
  }

  recordSent(hour: SentHour): void {
    this.statements.recordSent.run({
      ...hour,
      hourStart: hour.hourStart.getTime(),
      sentAt: hour.sentAt.getTime(),
    });
  }

  /** The last meter event Stripe took, and how many with how many cents in all. */
  sentSummary(): { lastAt: Date | null; events: number; cents: number } {
    const row = this.statements.lastSent.get() as { at: number | null; n: number; cents: number };
    return { lastAt: row.at === null ? null : new Date(row.at), events: row.n, cents: row.cents };
  }

  syncState(): BillingSyncState {
    const row = this.statements.state.get() as
      | {
          failures: number;
          next_at: number;
          last_error: string | null;
          last_attempt_at: number | null;
          last_success_at: number | null;
          alerted: number;
        }
      | undefined;
    if (!row) {
      return {
        failures: 0,
        nextAt: 0,
        lastError: null,
        lastAttemptAt: null,
        lastSuccessAt: null,
        alerted: false,
      };
    }
    return {
      failures: row.failures,
      nextAt: row.next_at,
      lastError: row.last_error,
      lastAttemptAt: row.last_attempt_at,
      lastSuccessAt: row.last_success_at,
      alerted: row.alerted === 1,
    };
  }

  setSyncState(state: BillingSyncState): void {
    this.statements.putState.run({ ...state, alerted: state.alerted ? 1 : 0 });
  }

  /** Machines with a server deleted after `at` (epoch ms): a reason to bill their last hours now. */
  deletedSince(at: number): number {
    return (this.statements.deletedSince.get(at) as { n: number }).n;
  }
}
