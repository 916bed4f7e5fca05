import type Database from "better-sqlite3";
import type { ServerPrice } from "../billing/price.ts";
import { NotFoundError } from "../errors.ts";
import { INSTANCE_STATUSES, type Instance, type InstanceStatus } from "../instances/instance.ts";
import { machinesLeft, overQuota } from "../instances/quota.ts";
import type { Clock } from "../ports/clock.ts";
import { compareAndSetExpiry } from "./expiry-cas.ts";
import {
  COLUMNS,
  type EventNote,
  type EventRow,
  eventFromRow,
  fromRow,
  type InstanceEvent,
  type InstancePatch,
  type InstanceRow,
  LIVE_SQL,
  type NewInstance,
  toColumnValue,
} from "./instance-rows.ts";
import type { LedgerTable } from "./ledger-table.ts";
import type { UserKeyTable } from "./user-key-table.ts";

/**
 * The instances table and its audit trail (the events table): every state change is one transaction
 * with its event, and every event reaches the ledger in the same transaction. `Store` hands these
 * methods out under their old names.
 */
export class InstanceTable {
  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
    private readonly ledger: () => LedgerTable,
    private readonly keys: () => UserKeyTable,
  ) {}

  private readonly statementCache = new Map<string, Database.Statement>();

  /** A statement compiled once: compiling costs more than running a small query (the API lists on every call). */
  private prepared(sql: string): Database.Statement {
    let statement = this.statementCache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statementCache.set(sql, statement);
    }
    return statement;
  }

  /**
   * Records a new instance as `creating`. The quota check, `check` and the insert share one write
   * transaction, so requests racing for the last slot (or the last euro of a budget, or the last
   * provision of the hour), from this process or another, cannot all win. With `price`, the ledger
   * keeps the price it is billed at from now on.
   */
  add(
    instance: NewInstance,
    note: EventNote,
    maxLivePerOwner?: number,
    price?: Pick<ServerPrice, "hourly" | "monthly">,
    /** Runs first inside the transaction, reading the store as it is now; throws to refuse. */
    check?: () => void,
  ): Instance {
    const insert = this.db.transaction(() => {
      check?.();
      if (maxLivePerOwner !== undefined) {
        const live = this.countLive(instance.owner);
        if (machinesLeft(live, maxLivePerOwner) === 0) throw overQuota(live, maxLivePerOwner);
      }
      this.db
        .prepare(
          `INSERT INTO instances (id, owner, owner_email, ssh_keys, ssh_key_fingerprint, server_type, location,
             status, created_at, expires_at, packages, requested_hours)
           VALUES (@id, @owner, @ownerEmail, @sshKeys, @fingerprint, @serverType, @location, 'creating', @createdAt, @expiresAt, @packages, @requestedHours)`,
        )
        .run({
          id: instance.id,
          owner: instance.owner,
          ownerEmail: instance.ownerEmail,
          sshKeys: JSON.stringify(instance.sshKeys),
          fingerprint: instance.sshKeyFingerprint,
          serverType: instance.serverType,
          location: instance.location,
          createdAt: instance.createdAt.getTime(),
          expiresAt: instance.expiresAt.getTime(),
          packages: JSON.stringify(instance.packages ?? []),
          requestedHours: instance.requestedHours ?? null,
        });
      if (price) this.ledger().open({ ...instance, instanceId: instance.id, price });
      this.insertEvent(instance.id, note);
    });
    insert.immediate();
    return this.require(instance.id);
  }

  get(id: string): Instance | null {
    const row = this.db.prepare("SELECT * FROM instances WHERE id = ?").get(id) as InstanceRow | undefined;
    return row ? fromRow(row) : null;
  }

  require(id: string): Instance {
    const instance = this.get(id);
    if (!instance) throw new NotFoundError(`No instance ${id}.`);
    return instance;
  }

  /** Instances, newest first; live ones only unless `includeEnded`. */
  list(filter: { owner?: string; includeEnded?: boolean } = {}): Instance[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.owner !== undefined) {
      where.push("owner = ?");
      params.push(filter.owner);
    }
    if (!filter.includeEnded) where.push(LIVE_SQL);
    const sql = `SELECT * FROM instances ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, id`;
    return (this.prepared(sql).all(...params) as InstanceRow[]).map(fromRow);
  }

  countLive(owner: string): number {
    const row = this.db
      .prepare(`SELECT count(*) AS n FROM instances WHERE owner = ? AND ${LIVE_SQL}`)
      .get(owner) as { n: number };
    return row.n;
  }

  /** How many instances are in each status, every status listed (zero included), in one grouped query. */
  machinesByStatus(): Record<InstanceStatus, number> {
    const counts = Object.fromEntries(INSTANCE_STATUSES.map((s) => [s, 0])) as Record<InstanceStatus, number>;
    const rows = this.db.prepare("SELECT status, count(*) AS n FROM instances GROUP BY status").all() as {
      status: InstanceStatus;
      n: number;
    }[];
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  /**
   * Live instances due for deletion, oldest deadline first: past their expiry at `now`, or left in
   * `deleting` by a delete that failed (so it is retried).
   */
  getExpired(now: Date): Instance[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM instances WHERE ${LIVE_SQL} AND (expires_at <= ? OR status = 'deleting') ORDER BY expires_at`,
        )
        .all(now.getTime()) as InstanceRow[]
    ).map(fromRow);
  }

  /**
   * Records a running server the store did not know (found by reconcile from its labels) as a ready
   * instance, in one transaction; false when a row with that id appeared meanwhile.
   */
  adopt(instance: NewInstance, server: InstancePatch, note: EventNote): boolean {
    return this.db
      .transaction(() => {
        if (this.get(instance.id)) return false;
        this.add(instance, {
          actor: note.actor,
          kind: "requested",
          detail: "adopted from its server's labels",
        });
        this.update(instance.id, { ...server, status: "ready" }, note);
        return true;
      })
      .immediate();
  }

  /** Changes fields of one instance and records the event, atomically. */
  update(id: string, patch: InstancePatch, note: EventNote): Instance {
    const keys = Object.keys(patch) as (keyof InstancePatch)[];
    this.db
      .transaction(() => {
        if (keys.length > 0) {
          const sets = keys.map((k) => `${COLUMNS[k]} = @${k}`).join(", ");
          const values = Object.fromEntries(keys.map((k) => [k, toColumnValue(k, patch[k])]));
          const result = this.db
            .prepare(`UPDATE instances SET ${sets} WHERE id = @id`)
            .run({ ...values, id });
          if (result.changes === 0) throw new NotFoundError(`No instance ${id}.`);
        }
        this.insertEvent(id, note);
      })
      .immediate();
    return this.require(id);
  }

  /**
   * Moves the deadline from `from` to `to` and records it, in one transaction, only when the store
   * still says `from` and `check` passes: null when another extend (in any process) moved it first.
   */
  extendExpiry(id: string, from: Date, to: Date, note: EventNote, check?: () => void): Instance | null {
    const moved = this.db.transaction(() => {
      // `check` (the budget) sees the deadline as stored now, in the transaction that moves it.
      if (this.get(id)?.expiresAt.getTime() !== from.getTime()) return null;
      check?.();
      if (!compareAndSetExpiry(this.db, id, from, to)) return null;
      this.insertEvent(id, note);
      return this.require(id);
    });
    return moved.immediate();
  }

  /**
   * Marks an instance deleted and records it, once: `removed` is false (and nothing is recorded) when
   * another delete got there first, such as a second click or the sweep in another process. The row
   * stays for usage and audit.
   */
  remove(id: string, note: EventNote): { instance: Instance; removed: boolean } {
    const removed = this.db
      .transaction(() => {
        const changed = this.db
          .prepare(
            "UPDATE instances SET status = 'deleted', deleted_at = ? WHERE id = ? AND status != 'deleted'",
          )
          .run(this.clock.now().getTime(), id).changes;
        if (changed === 0) {
          this.require(id);
          return false;
        }
        this.insertEvent(id, note);
        return true;
      })
      .immediate();
    return { instance: this.require(id), removed };
  }

  /** Records an event not tied to a state change (a refusal, a reminder sent, a failed delete). */
  recordEvent(instanceId: string | null, note: EventNote): void {
    this.insertEvent(instanceId, note);
  }

  events(instanceId?: string): InstanceEvent[] {
    const rows = (
      instanceId === undefined
        ? this.db.prepare("SELECT * FROM events ORDER BY id").all()
        : this.db.prepare("SELECT * FROM events WHERE instance_id = ? ORDER BY id").all(instanceId)
    ) as EventRow[];
    return rows.map(eventFromRow);
  }

  /**
   * The key a person uses now: the one they set as theirs (`ccc key set`) or the one their latest
   * machine was asked with, whichever came last. Prefills the next request; shares use it.
   */
  currentKeyOf(user: string): string | null {
    const row = this.db
      .prepare("SELECT ssh_keys, created_at FROM instances WHERE owner = ? ORDER BY created_at DESC LIMIT 1")
      .get(user) as { ssh_keys: string; created_at: number } | undefined;
    const set = this.keys().get(user);
    const used = row ? (JSON.parse(row.ssh_keys) as string[])[0] : undefined;
    if (set && (!row || set.setAt.getTime() >= row.created_at)) return set.sshKey;
    return used ?? set?.sshKey ?? null;
  }

  /** The email a person's latest machine was asked with (the CLI's --email), if any ever was. */
  lastOwnerEmailOf(user: string): string | null {
    const row = this.prepared(
      "SELECT owner_email FROM instances WHERE owner = ? AND owner_email IS NOT NULL ORDER BY created_at DESC LIMIT 1",
    ).get(user) as { owner_email: string } | undefined;
    return row?.owner_email ?? null;
  }

  /** Every event is handed to the ledger in the same transaction, so the two never disagree. */
  insertEvent(instanceId: string | null, note: EventNote): void {
    const at = this.clock.now().getTime();
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO events (instance_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)")
        .run(instanceId, at, note.actor, note.kind, note.detail ?? null);
      this.ledger().follow(instanceId, note.kind, at);
    })();
  }
}
