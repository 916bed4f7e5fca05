import { chmodSync, existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import Database from "better-sqlite3";
import type { ServerPrice } from "../billing/price.ts";
import type { Clock } from "../clock.ts";
import { NotFoundError, UserError } from "../errors.ts";
import { INSTANCE_STATUSES, type Instance, type InstanceStatus } from "../instances/instance.ts";
import { machinesLeft, overQuota } from "../instances/quota.ts";
import { ApiTokenTable } from "./api-token-table.ts";
import { AuditCounts } from "./audit-counts.ts";
import { BillingTables } from "./billing-tables.ts";
import { BudgetTable } from "./budget-table.ts";
import { CatalogStore } from "./catalog-store.ts";
import { ChannelRepoTable } from "./channel-repo-table.ts";
import { EventLog } from "./event-log.ts";
import { compareAndSetExpiry } from "./expiry-cas.ts";
import { secureDbFiles } from "./file-modes.ts";
import { HibernationTables } from "./hibernation-tables.ts";
import { type DatabaseHealth, inspectDatabase } from "./inspect-database.ts";
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
import { LastRequestTable } from "./last-request-table.ts";
import { LedgerTable } from "./ledger-table.ts";
import { type DeleteRetry, LifecycleTables, type ReminderCandidate } from "./lifecycle-tables.ts";
import { MachineGuestTable } from "./machine-guest-table.ts";
import { MachinePushTable } from "./machine-push-table.ts";
import { migrate, refuseNewerSchema, requireCurrentSchema, schemaOf } from "./migrations.ts";
import { PoolIdleTable } from "./pool-idle-table.ts";
import { PoolTable } from "./pool-table.ts";
import { SecretTable } from "./secret-table.ts";
import { SecretsPushTable } from "./secrets-push-table.ts";
import { SeenRequestStore } from "./seen-request-store.ts";
import { SnapshotTable } from "./snapshot-table.ts";
import { StorageLedgerTable } from "./storage-ledger-table.ts";
import { TaskTable } from "./task-table.ts";
import { PendingShareTable, UserKeyTable } from "./user-key-table.ts";
import { UserPrefsTable } from "./user-prefs-table.ts";
import { WebSessionTable } from "./web-session-table.ts";
import { WorkVolumeTable } from "./work-volume-table.ts";
import { WorkspaceTable } from "./workspace-table.ts";

export type { ApiToken, ApiTokenTable, NewApiToken } from "./api-token-table.ts";
export type { BillableInstance, BillingSyncState, BillingTables, SentHour } from "./billing-tables.ts";
export type { ChannelRepo, ChannelRepoTable } from "./channel-repo-table.ts";
export { secureDataDir } from "./file-modes.ts";
/** What opening a database does about its schema: see `Store.open`. */
export type SchemaRule = "migrate" | "require-current" | "as-is";

export type { EventFilter, EventLog } from "./event-log.ts";
export type { Hibernation, HibernationState, MachineActivityRecord } from "./hibernation-tables.ts";
export type { DatabaseHealth } from "./inspect-database.ts";
export type { EventNote, InstanceEvent, InstancePatch, NewInstance } from "./instance-rows.ts";
export type { LastRequest } from "./last-request-table.ts";
export type { DeleteRetry, ReminderCandidate } from "./lifecycle-tables.ts";
export type { MachineGuest, MachineGuestTable } from "./machine-guest-table.ts";
export type { MachinePush, MachinePushTable } from "./machine-push-table.ts";
export type { PoolIdle } from "./pool-idle-table.ts";
export type { PoolMachine, PoolMember, PoolMemberState } from "./pool-table.ts";
export type { SecretTable, StoredSecret } from "./secret-table.ts";
export type { SeenRequestStore } from "./seen-request-store.ts";
export type { Snapshot, SnapshotTable } from "./snapshot-table.ts";
export { SNAPSHOT_STATUSES } from "./snapshot-table.ts";
export type { HeldStorage, StorageKind } from "./storage-ledger-table.ts";
export type { NewTask, TaskEventRow, TaskPatch } from "./task-table.ts";
export type { UserPrefs } from "./user-prefs-table.ts";
export type { WebSession, WebSessionTable, WebTicket } from "./web-session-table.ts";
export type { VolumeClaim, WorkVolume, WorkVolumeTable } from "./work-volume-table.ts";
export type { WorkspaceRequest } from "./workspace-table.ts";

/**
 * The compiled SQLite addon, named directly: better-sqlite3's default search (the `bindings` package)
 * stats a dozen paths first, a noticeable part of a short `ccc list`. Falls back to that search.
 */
function nativeBinding(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve("better-sqlite3/build/Release/better_sqlite3.node");
  } catch {
    return undefined;
  }
}

function whileBusy<T>(step: () => T, attempts = 50): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return step();
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || attempt >= attempts) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}

/**
 * The one owner of ccc's SQLite file (WAL, migrated at open): instances and their audit trail,
 * and the lifecycle's leases, reminders sent and delete retries. Nothing else holds the
 * connection or writes SQL.
 */
export class Store {
  private constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {}

  // Each table compiles its statements when first used, not at open: a short `ccc list` needs two of
  // the twenty, and compiling all of them was a noticeable part of its start.
  private readonly tables = new Map<string, unknown>();

  private table<T>(name: string, make: () => T): T {
    let table = this.tables.get(name) as T | undefined;
    if (table === undefined) {
      table = make();
      this.tables.set(name, table);
    }
    return table;
  }

  private get lifecycle(): LifecycleTables {
    return this.table("lifecycle", () => new LifecycleTables(this.db));
  }

  /** Slack requests already acted on, for the replay guard. */
  get seenRequests(): SeenRequestStore {
    return this.table("seenRequests", () => new SeenRequestStore(this.db));
  }

  /** The catalog as last fetched, so a fresh process can answer from it while it is fresh. */
  get catalogCache(): CatalogStore {
    return this.table("catalogCache", () => new CatalogStore(this.db));
  }

  /** Extends not yet shown on their machines, retried by the sweep. */
  get machinePushes(): MachinePushTable {
    return this.table("machinePushes", () => new MachinePushTable(this.db));
  }

  /** Secrets deliveries owed to machines that could not be reached, retried by the sweep. */
  get secretsPushes(): SecretsPushTable {
    return this.table("secretsPushes", () => new SecretsPushTable(this.db));
  }

  /** People let into a machine besides its owner. */
  get guests(): MachineGuestTable {
    return this.table("guests", () => new MachineGuestTable(this.db));
  }

  /** What each person chose to be remembered. */
  get prefs(): UserPrefsTable {
    return this.table("prefs", () => new UserPrefsTable(this.db));
  }

  /** People's secrets, sealed. */
  get secrets(): SecretTable {
    return this.table("secrets", () => new SecretTable(this.db));
  }

  /** Keys people set as their own. */
  get keys(): UserKeyTable {
    return this.table("keys", () => new UserKeyTable(this.db));
  }

  /** Shares waiting for their guest to set a key. */
  get pendingShares(): PendingShareTable {
    return this.table("pendingShares", () => new PendingShareTable(this.db));
  }

  /** Counts over the audit trail (machines a person created lately). */
  get audit(): AuditCounts {
    return this.table("audit", () => new AuditCounts(this.db));
  }

  /** The audit trail read back: filtered by person, machine and time, newest first, paged. */
  get eventLog(): EventLog {
    return this.table("eventLog", () => new EventLog(this.db));
  }

  /** Stripe customers, meter events sent, the billing sync's state. */
  get billing(): BillingTables {
    return this.table("billing", () => new BillingTables(this.db));
  }

  /** Slack channels' default repositories for tasks. */
  get channelRepos(): ChannelRepoTable {
    return this.table("channelRepos", () => new ChannelRepoTable(this.db));
  }

  /** The web dashboard's sign-in tickets and sessions. */
  get web(): WebSessionTable {
    return this.table("web", () => new WebSessionTable(this.db));
  }

  /** Personal API tokens, as hashes. */
  get apiTokens(): ApiTokenTable {
    return this.table("apiTokens", () => new ApiTokenTable(this.db));
  }

  /** Saved machines' snapshots. */
  get snapshots(): SnapshotTable {
    return this.table("snapshots", () => new SnapshotTable(this.db));
  }

  /** Each person's last successful request, for `again`. */
  get lastRequests(): LastRequestTable {
    return this.table("lastRequests", () => new LastRequestTable(this.db));
  }

  /** What each machine starts from (repository, dotfiles), until it is cloned. */
  get workspaces(): WorkspaceTable {
    return this.table("workspaces", () => new WorkspaceTable(this.db));
  }

  /** People's work volumes, kept between machines. */
  get workVolumes(): WorkVolumeTable {
    return this.table("workVolumes", () => new WorkVolumeTable(this.db));
  }

  /** The warm pool's machines. */
  get pool(): PoolTable {
    return this.table(
      "pool",
      () =>
        new PoolTable(this.db, {
          end: (id, at) => this.poolIdle.close(id, at ?? this.clock.now()),
          resume: (id) => this.poolIdle.reopen(id),
        }),
    );
  }

  /** The warm pool's idle hours: the operator's cost, not a claimer's. */
  get poolIdle(): PoolIdleTable {
    return this.table("poolIdle", () => new PoolIdleTable(this.db));
  }

  /** What each machine costs, kept in step with the audit trail. */
  get ledger(): LedgerTable {
    return this.table("ledger", () => new LedgerTable(this.db));
  }

  /** Personal monthly limits and the warnings sent. */
  get budgets(): BudgetTable {
    return this.table("budgets", () => new BudgetTable(this.db));
  }

  /** Volumes and snapshots with the price each is billed at. */
  get storageLedger(): StorageLedgerTable {
    return this.table("storageLedger", () => new StorageLedgerTable(this.db));
  }

  /** Tasks (Claude Code run headless on a machine) and their recorded events. */
  get tasks(): TaskTable {
    return this.table("tasks", () => new TaskTable(this.db));
  }

  /** Running machines' activity and machines' sleeps (hibernation). */
  get hibernation(): HibernationTables {
    return this.table("hibernation", () => new HibernationTables(this.db));
  }

  /** Whether the file is there, takes writes, and how far its schema is: created, migrated, changed never. */
  static inspect(path: string): DatabaseHealth {
    return inspectDatabase(path, nativeBinding());
  }

  /**
   * Opens the file and, by `schema`: migrates it to this ccc's schema (the bot's start, `ccc init`), refuses
   * it unless it is at this ccc's schema already (every other CLI command), or leaves it as it is
   * (`ccc migrate`, which asks for it itself). A newer schema than this ccc's is always refused.
   */
  static open(path: string, clock: Clock, schema: SchemaRule = "migrate"): Store {
    secureDbFiles(path);
    const db = new Database(path, { nativeBinding: nativeBinding() });
    // Before anything else: a second process opening the file at the same moment waits instead of failing.
    db.pragma("busy_timeout = 5000");
    // Switching a new file to WAL takes an exclusive lock that SQLite's busy handler does not wait
    // for; another process doing the same at that moment makes it fail at once, so try again.
    whileBusy(() => db.pragma("journal_mode = WAL"));
    secureDbFiles(path);
    db.pragma("foreign_keys = ON");
    try {
      if (schema === "migrate") migrate(db);
      else if (schema === "require-current") requireCurrentSchema(db);
      else refuseNewerSchema(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new Store(db, clock);
  }

  close(): void {
    this.db.close();
  }

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

  /** How many migrations this database has run. */
  schemaVersion(): number {
    return schemaOf(this.db).version;
  }

  /**
   * Writes a consistent copy of the database to `target` while others keep using it (`VACUUM INTO`: one
   * read transaction, WAL included), readable by the owner only. Refuses a target that exists.
   */
  backupTo(target: string): { bytes: number } {
    if (existsSync(target)) throw new UserError(`${target} exists already: name a new file for the backup.`);
    this.db.prepare("VACUUM INTO ?").run(target);
    chmodSync(target, 0o600);
    return { bytes: statSync(target).size };
  }

  /** Runs the migrations this database lacks (`ccc migrate`); answers the versions before and after. */
  migrate(): { from: number; to: number } {
    const from = schemaOf(this.db).version;
    migrate(this.db);
    return { from, to: schemaOf(this.db).version };
  }

  /** True when the database answers a query (for health checks). */
  ping(): boolean {
    return this.db.prepare("SELECT 1 AS ok").get() !== undefined;
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
      if (price) this.ledger.open({ ...instance, instanceId: instance.id, price });
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
    const set = this.keys.get(user);
    const used = row ? (JSON.parse(row.ssh_keys) as string[])[0] : undefined;
    if (set && (!row || set.setAt.getTime() >= row.created_at)) return set.sshKey;
    return used ?? set?.sshKey ?? null;
  }

  // Leases: two processes on one file never act on the same instance or server.

  /**
   * Takes the named lease for `holder` unless someone holds it unexpired (itself included: leases
   * are not re-entrant, so two jobs of one process exclude each other too).
   */
  acquireLease(name: string, holder: string, expiresAt: number, now: number): boolean {
    return this.lifecycle.acquireLease(name, holder, expiresAt, now);
  }

  /** False when the lease was lost (it expired and someone else took it). */
  renewLease(name: string, holder: string, expiresAt: number): boolean {
    return this.lifecycle.renewLease(name, holder, expiresAt);
  }

  releaseLease(name: string, holder: string): void {
    this.lifecycle.releaseLease(name, holder);
  }

  /** Who holds the lease now, if anyone. */
  leaseHolder(name: string, now: number): string | null {
    return this.lifecycle.leaseHolder(name, now);
  }

  // Delete retries: a failed expiry delete stays due and backs off.

  /** Ids of live instances due for deletion at `now` (expired or stuck `deleting`) whose retry is due. */
  dueForDelete(now: number): string[] {
    return this.lifecycle.dueForDelete(now);
  }

  deleteRetry(instanceId: string): DeleteRetry | null {
    return this.lifecycle.deleteRetry(instanceId);
  }

  setDeleteRetry(instanceId: string, retry: DeleteRetry): void {
    this.lifecycle.setDeleteRetry(instanceId, retry);
  }

  clearDeleteRetry(instanceId: string): void {
    this.lifecycle.clearDeleteRetry(instanceId);
  }

  // Reminders: each one claimed before it is sent, once per offset per deadline.

  /** Live, not-being-deleted instances whose deadline lies in `(now, horizon]`. */
  reminderCandidates(now: number, horizon: number): ReminderCandidate[] {
    return this.lifecycle.reminderCandidates(now, horizon);
  }

  /** True for the one caller that claims this reminder; everyone else is told it is taken. */
  claimReminder(instanceId: string, deadline: number, offsetMinutes: number, now: number): boolean {
    return this.lifecycle.claimReminder(instanceId, deadline, offsetMinutes, now);
  }

  /** Gives a claim back after a send failed, so the next pass tries again. */
  unclaimReminder(instanceId: string, deadline: number, offsetMinutes: number): void {
    this.lifecycle.unclaimReminder(instanceId, deadline, offsetMinutes);
  }

  /** Every event is handed to the ledger in the same transaction, so the two never disagree. */
  private insertEvent(instanceId: string | null, note: EventNote): void {
    const at = this.clock.now().getTime();
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO events (instance_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)")
        .run(instanceId, at, note.actor, note.kind, note.detail ?? null);
      this.ledger.follow(instanceId, note.kind, at);
    })();
  }
}
