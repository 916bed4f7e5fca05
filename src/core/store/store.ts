import type Database from "better-sqlite3";
import type { Instance, InstanceStatus } from "../instances/instance.ts";
import type { Clock } from "../ports/clock.ts";
import { ApiTokenTable } from "./api-token-table.ts";
import { AuditCounts } from "./audit-counts.ts";
import { BillingTables } from "./billing-tables.ts";
import { BudgetTable } from "./budget-table.ts";
import { CatalogStore } from "./catalog-store.ts";
import { ChannelRepoTable } from "./channel-repo-table.ts";
import { backupDatabase, nativeBinding, openDatabase, type SchemaRule } from "./database-file.ts";
import { EventLog } from "./event-log.ts";
import { HibernationTables } from "./hibernation-tables.ts";
import { type DatabaseHealth, inspectDatabase } from "./inspect-database.ts";
import type { EventNote, InstanceEvent, InstancePatch, NewInstance } from "./instance-rows.ts";
import { InstanceTable } from "./instance-table.ts";
import { KeptAddressTable } from "./kept-address-table.ts";
import { LastRequestTable } from "./last-request-table.ts";
import { LedgerTable } from "./ledger-table.ts";
import { type DeleteRetry, LifecycleTables, type ReminderCandidate } from "./lifecycle-tables.ts";
import { MachineGuestTable } from "./machine-guest-table.ts";
import { MachinePushTable } from "./machine-push-table.ts";
import { migrate, schemaOf } from "./migrations.ts";
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
export type { SchemaRule } from "./database-file.ts";
export type { EventFilter, EventLog } from "./event-log.ts";
export { secureDataDir } from "./file-modes.ts";
export type { Hibernation, HibernationState, MachineActivityRecord } from "./hibernation-tables.ts";
export type { DatabaseHealth } from "./inspect-database.ts";
export type { EventNote, InstanceEvent, InstancePatch, NewInstance } from "./instance-rows.ts";
export type { KeptAddresses } from "./kept-address-table.ts";
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

  /** Hibernated machines' Primary IPs, kept for their wake. */
  get keptAddresses(): KeptAddressTable {
    return this.table("keptAddresses", () => new KeptAddressTable(this.db));
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
    return new Store(openDatabase(path, schema), clock);
  }

  close(): void {
    this.db.close();
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
    return backupDatabase(this.db, target);
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

  private get instances(): InstanceTable {
    return this.table(
      "instances",
      () =>
        new InstanceTable(
          this.db,
          this.clock,
          () => this.ledger,
          () => this.keys,
        ),
    );
  }

  // The instances and their audit trail (./instance-table.ts), under the names every caller uses.

  add(...args: Parameters<InstanceTable["add"]>): Instance {
    return this.instances.add(...args);
  }

  get(id: string): Instance | null {
    return this.instances.get(id);
  }

  require(id: string): Instance {
    return this.instances.require(id);
  }

  /** Instances, newest first; live ones only unless `includeEnded`. */
  list(filter: { owner?: string; includeEnded?: boolean } = {}): Instance[] {
    return this.instances.list(filter);
  }

  countLive(owner: string): number {
    return this.instances.countLive(owner);
  }

  machinesByStatus(): Record<InstanceStatus, number> {
    return this.instances.machinesByStatus();
  }

  getExpired(now: Date): Instance[] {
    return this.instances.getExpired(now);
  }

  adopt(instance: NewInstance, server: InstancePatch, note: EventNote): boolean {
    return this.instances.adopt(instance, server, note);
  }

  update(id: string, patch: InstancePatch, note: EventNote): Instance {
    return this.instances.update(id, patch, note);
  }

  extendExpiry(id: string, from: Date, to: Date, note: EventNote, check?: () => void): Instance | null {
    return this.instances.extendExpiry(id, from, to, note, check);
  }

  remove(id: string, note: EventNote): { instance: Instance; removed: boolean } {
    return this.instances.remove(id, note);
  }

  /** Records an event not tied to a state change (a refusal, a reminder sent, a failed delete). */
  recordEvent(instanceId: string | null, note: EventNote): void {
    this.instances.insertEvent(instanceId, note);
  }

  events(instanceId?: string): InstanceEvent[] {
    return this.instances.events(instanceId);
  }

  currentKeyOf(user: string): string | null {
    return this.instances.currentKeyOf(user);
  }

  lastOwnerEmailOf(user: string): string | null {
    return this.instances.lastOwnerEmailOf(user);
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
}
