import type Database from "better-sqlite3";
import type { Amount } from "../billing/money.ts";
import { costOfServer, type ServerPrice } from "../billing/price.ts";

// The ledger follows the audit trail: the store hands every event it writes to `follow`, inside the
// event's own transaction, so a machine's start or end is recorded exactly when its event is and a
// crash between two writes can neither lose nor double a charge. The price is copied in when the
// instance is recorded and never read from the catalog again.

/** Events that start the bill: the server exists at Hetzner (a pool machine's claim counts too). */
export const START_EVENTS: readonly string[] = ["server_created", "claimed"];
/** Events that end it: the server is gone, or the provision failed and its server was removed. */
export const END_EVENTS: readonly string[] = ["deleted", "failed"];
/**
 * The event that opens a closed entry again: a hibernated machine woken keeps its id, so its next run
 * is billed on the same entry (from its next `server_created`), added to the months it already has.
 */
export const REOPEN_EVENT = "waking";

/** One billed machine with the price it was created at. */
export interface LedgerEntry {
  instanceId: string;
  owner: string;
  serverType: string;
  location: string;
  price: Pick<ServerPrice, "hourly" | "monthly">;
  /** When billing started; null while the server is not made yet. */
  startedAt: Date | null;
  endedAt: Date | null;
}

/** A still-open entry with the deadline of its instance, for what it will cost until then. */
export interface OpenEntry extends LedgerEntry {
  expiresAt: Date;
  /** When the instance was recorded: a server not made yet is projected from here. */
  createdAt: Date;
}

/** What a closed machine cost in one month. */
export interface ClosedMonth {
  instanceId: string;
  owner: string;
  serverType: string;
  location: string;
  hours: number;
  amount: Amount;
  startedAt: Date;
  endedAt: Date;
  price: Pick<ServerPrice, "hourly" | "monthly">;
}

/** Closed machines' cost in a month, summed per owner, type or location. */
export interface ClosedGroup {
  key: string;
  hours: number;
  amount: Amount;
  machines: number;
}

interface ClosedRow {
  instance_id: string;
  owner: string;
  server_type: string;
  location: string;
  hourly: string;
  monthly: string;
  started_at: number;
  ended_at: number;
  hours: number;
  whole_cents: number;
  fraction: number;
}

interface LedgerRow {
  instance_id: string;
  owner: string;
  server_type: string;
  location: string;
  hourly: string;
  monthly: string;
  started_at: number | null;
  ended_at: number | null;
}

const UNITS_PER_CENT = 10n ** 14n;

/** The ledger tables, over the store's connection. Only `Store` creates it. */
export class LedgerTable {
  private readonly statements;
  private readonly groupStatements: Record<string, Database.Statement>;

  constructor(db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO ledger (instance_id, owner, server_type, location, hourly, monthly)
         VALUES (@instanceId, @owner, @serverType, @location, @hourly, @monthly)`,
      ),
      get: db.prepare("SELECT * FROM ledger WHERE instance_id = ?"),
      start: db.prepare("UPDATE ledger SET started_at = ? WHERE instance_id = ? AND started_at IS NULL"),
      claim: db.prepare(
        "UPDATE ledger SET owner = (SELECT owner FROM instances WHERE id = @id) WHERE instance_id = @id AND ended_at IS NULL",
      ),
      end: db.prepare("UPDATE ledger SET ended_at = ? WHERE instance_id = ? AND ended_at IS NULL"),
      reopen: db.prepare(
        "UPDATE ledger SET started_at = NULL, ended_at = NULL WHERE instance_id = ? AND ended_at IS NOT NULL",
      ),
      // A woken machine's second run in a month adds to its first.
      month: db.prepare(
        `INSERT INTO ledger_months (month, owner, instance_id, server_type, location, hourly,
           monthly, started_at, ended_at, hours, whole_cents, fraction) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (month, owner, instance_id) DO UPDATE SET ended_at = excluded.ended_at,
           hours = hours + excluded.hours, whole_cents = whole_cents + excluded.whole_cents,
           fraction = fraction + excluded.fraction`,
      ),
      addToOwner: db.prepare(
        `INSERT INTO ledger_owner_months (month, owner, whole_cents, fraction) VALUES (?, ?, ?, ?)
         ON CONFLICT (month, owner) DO UPDATE SET whole_cents = whole_cents + excluded.whole_cents,
           fraction = fraction + excluded.fraction`,
      ),
      // Each monthly line carries what it needs, so a month is read without a join.
      closedIn: db.prepare("SELECT * FROM ledger_months WHERE month = ?"),
      closedInFor: db.prepare("SELECT * FROM ledger_months WHERE month = ? AND owner = ?"),
      sumIn: db.prepare(
        "SELECT coalesce(sum(whole_cents), 0) AS c, coalesce(sum(fraction), 0) AS f FROM ledger_owner_months WHERE month = ?",
      ),
      sumInFor: db.prepare(
        `SELECT coalesce(sum(whole_cents), 0) AS c, coalesce(sum(fraction), 0) AS f FROM ledger_owner_months
         WHERE month = ? AND owner = ?`,
      ),
      open: db.prepare(
        `SELECT l.*, i.expires_at, i.created_at FROM ledger l JOIN instances i ON i.id = l.instance_id
         WHERE l.ended_at IS NULL`,
      ),
      openFor: db.prepare(
        `SELECT l.*, i.expires_at, i.created_at FROM ledger l JOIN instances i ON i.id = l.instance_id
         WHERE l.ended_at IS NULL AND l.owner = ?`,
      ),
    };
    this.groupStatements = Object.fromEntries(
      (["owner", "server_type", "location"] as const).flatMap((column) =>
        [false, true].map((mine) => [
          `${column}:${mine}`,
          db
            .prepare(
              `SELECT ${column} AS key, sum(hours) AS hours, sum(whole_cents) AS c, sum(fraction) AS f,
                 count(*) AS machines FROM ledger_months WHERE month = ?${mine ? " AND owner = ?" : ""} GROUP BY ${column}`,
            )
            .safeIntegers(true),
        ]),
      ),
    );
    this.statements.sumIn.safeIntegers(true);
    this.statements.sumInFor.safeIntegers(true);
  }

  /** Records the price a new instance is billed at; a second call for the same instance changes nothing. */
  open(entry: Omit<LedgerEntry, "startedAt" | "endedAt">): void {
    this.statements.insert.run({
      instanceId: entry.instanceId,
      owner: entry.owner,
      serverType: entry.serverType,
      location: entry.location,
      hourly: entry.price.hourly,
      monthly: entry.price.monthly,
    });
  }

  /** Applies one audit-trail event; the caller runs it in the event's transaction. */
  follow(instanceId: string | null, kind: string, at: number): void {
    if (instanceId === null) return;
    if (kind === REOPEN_EVENT) {
      this.statements.reopen.run(instanceId);
      return;
    }
    if (START_EVENTS.includes(kind)) {
      if (kind === "claimed") this.statements.claim.run({ id: instanceId });
      this.statements.start.run(at, instanceId);
    } else if (END_EVENTS.includes(kind)) {
      const row = this.statements.get.get(instanceId) as LedgerRow | undefined;
      if (!row || row.ended_at !== null) return;
      this.statements.end.run(at, instanceId);
      // A provision that failed before its server existed cost nothing.
      if (row.started_at === null) return;
      const cost = costOfServer(row, new Date(row.started_at), new Date(at));
      for (const m of cost.months) {
        this.statements.month.run(
          m.month,
          row.owner,
          instanceId,
          row.server_type,
          row.location,
          row.hourly,
          row.monthly,
          row.started_at,
          at,
          m.hours,
          m.amount / UNITS_PER_CENT,
          m.amount % UNITS_PER_CENT,
        );
        this.statements.addToOwner.run(
          m.month,
          row.owner,
          m.amount / UNITS_PER_CENT,
          m.amount % UNITS_PER_CENT,
        );
      }
    }
  }

  get(instanceId: string): LedgerEntry | null {
    const row = this.statements.get.get(instanceId) as LedgerRow | undefined;
    return row ? entryOf(row) : null;
  }

  /** What machines closed by now cost in `month` (`YYYY-MM`), one line per machine; one person's when `owner`. */
  closedIn(month: string, owner?: string): ClosedMonth[] {
    const rows = (
      owner === undefined
        ? this.statements.closedIn.all(month)
        : this.statements.closedInFor.all(month, owner)
    ) as ClosedRow[];
    return rows.map((r) => ({
      instanceId: r.instance_id,
      owner: r.owner,
      serverType: r.server_type,
      location: r.location,
      price: { hourly: r.hourly, monthly: r.monthly },
      startedAt: new Date(r.started_at),
      endedAt: new Date(r.ended_at),
      hours: r.hours,
      amount: BigInt(r.whole_cents) * UNITS_PER_CENT + BigInt(r.fraction),
    }));
  }

  /** `closedIn` added up per owner, type or location by SQLite: the usage report's fast path. */
  closedGroups(month: string, by: "owner" | "server_type" | "location", owner?: string): ClosedGroup[] {
    const statement = this.groupStatements[`${by}:${owner !== undefined}`] as Database.Statement;
    const rows = (owner === undefined ? statement.all(month) : statement.all(month, owner)) as {
      key: string;
      hours: bigint;
      c: bigint;
      f: bigint;
      machines: bigint;
    }[];
    return rows.map((r) => ({
      key: r.key,
      hours: Number(r.hours),
      amount: r.c * UNITS_PER_CENT + r.f,
      machines: Number(r.machines),
    }));
  }

  /** The sum of `closedIn`, added up by SQLite: the budget check's fast path. */
  closedTotal(month: string, owner?: string): Amount {
    const row = (
      owner === undefined ? this.statements.sumIn.get(month) : this.statements.sumInFor.get(month, owner)
    ) as { c: bigint; f: bigint };
    return row.c * UNITS_PER_CENT + row.f;
  }

  /** Entries not closed yet (running, or recorded and not made yet), with their instances' deadlines. */
  openEntries(owner?: string): OpenEntry[] {
    const rows = (
      owner === undefined ? this.statements.open.all() : this.statements.openFor.all(owner)
    ) as (LedgerRow & { expires_at: number; created_at: number })[];
    return rows.map((r) => {
      const entry = entryOf(r) as OpenEntry;
      entry.expiresAt = new Date(r.expires_at);
      entry.createdAt = new Date(r.created_at);
      return entry;
    });
  }
}

function entryOf(row: LedgerRow): LedgerEntry {
  return {
    instanceId: row.instance_id,
    owner: row.owner,
    serverType: row.server_type,
    location: row.location,
    price: { hourly: row.hourly, monthly: row.monthly },
    startedAt: row.started_at === null ? null : new Date(row.started_at),
    endedAt: row.ended_at === null ? null : new Date(row.ended_at),
  };
}
