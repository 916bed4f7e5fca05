import Database from "better-sqlite3";
import type { Clock } from "../clock.ts";
import { NotFoundError, QuotaError } from "../errors.ts";
import { type Instance, type InstanceStatus, LIVE_STATUSES } from "../instance.ts";
import { compareAndSetExpiry } from "./expiry-cas.ts";
import { secureDbFiles } from "./file-modes.ts";
import { migrate } from "./migrations.ts";

/** One line of the audit trail: every state change, refusal and notable action. */
export interface InstanceEvent {
  id: number;
  instanceId: string | null;
  at: Date;
  actor: string;
  kind: string;
  detail: string | null;
}

/** What the caller says about a change, for the audit trail. */
export interface EventNote {
  actor: string;
  kind: string;
  detail?: string | null;
}

export type NewInstance = Omit<
  Instance,
  "hetznerServerId" | "ipv4" | "ipv6" | "status" | "failureReason" | "readyAt" | "deletedAt" | "hostKey"
>;

export type InstancePatch = Partial<Omit<Instance, "id" | "owner" | "createdAt">>;

interface InstanceRow {
  id: string;
  owner: string;
  owner_email: string | null;
  ssh_keys: string;
  ssh_key_fingerprint: string;
  server_type: string;
  location: string;
  hetzner_server_id: number | null;
  ipv4: string | null;
  ipv6: string | null;
  status: InstanceStatus;
  failure_reason: string | null;
  created_at: number;
  ready_at: number | null;
  expires_at: number;
  deleted_at: number | null;
  host_key: string | null;
}

const COLUMNS: Record<keyof InstancePatch, keyof InstanceRow> = {
  ownerEmail: "owner_email",
  sshKeys: "ssh_keys",
  sshKeyFingerprint: "ssh_key_fingerprint",
  serverType: "server_type",
  location: "location",
  hetznerServerId: "hetzner_server_id",
  ipv4: "ipv4",
  ipv6: "ipv6",
  status: "status",
  failureReason: "failure_reason",
  readyAt: "ready_at",
  expiresAt: "expires_at",
  deletedAt: "deleted_at",
  hostKey: "host_key",
};

const LIVE_SQL = `status IN (${LIVE_STATUSES.map((s) => `'${s}'`).join(",")})`;

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

const toMs = (d: Date | null | undefined) => (d ? d.getTime() : null);
const toDate = (ms: number | null) => (ms === null ? null : new Date(ms));

function fromRow(row: InstanceRow): Instance {
  return {
    id: row.id,
    owner: row.owner,
    ownerEmail: row.owner_email,
    sshKeys: JSON.parse(row.ssh_keys) as string[],
    sshKeyFingerprint: row.ssh_key_fingerprint,
    serverType: row.server_type,
    location: row.location,
    hetznerServerId: row.hetzner_server_id,
    ipv4: row.ipv4,
    ipv6: row.ipv6,
    status: row.status,
    failureReason: row.failure_reason,
    createdAt: new Date(row.created_at),
    readyAt: toDate(row.ready_at),
    expiresAt: new Date(row.expires_at),
    deletedAt: toDate(row.deleted_at),
    hostKey: row.host_key,
  };
}

function toColumnValue(key: keyof InstancePatch, value: unknown): unknown {
  if (key === "sshKeys") return JSON.stringify(value);
  if (value instanceof Date) return value.getTime();
  return value ?? null;
}

/** The instances and their audit trail in one SQLite file (WAL, migrated at open). */
export class InstanceStore {
  readonly db: Database.Database;
  private readonly clock: Clock;

  private constructor(db: Database.Database, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  static open(path: string, clock: Clock): InstanceStore {
    secureDbFiles(path);
    const db = new Database(path);
    // Before anything else: a second process opening the file at the same moment waits instead of failing.
    db.pragma("busy_timeout = 5000");
    // Switching a new file to WAL takes an exclusive lock that SQLite's busy handler does not wait
    // for; another process doing the same at that moment makes it fail at once, so try again.
    whileBusy(() => db.pragma("journal_mode = WAL"));
    secureDbFiles(path);
    db.pragma("foreign_keys = ON");
    migrate(db);
    return new InstanceStore(db, clock);
  }

  close(): void {
    this.db.close();
  }

  /** True when the database answers a query (for health checks). */
  ping(): boolean {
    return this.db.prepare("SELECT 1 AS ok").get() !== undefined;
  }

  /**
   * Records a new instance as `creating`. The quota check and the insert share one transaction,
   * so two requests racing for the last slot cannot both win.
   */
  add(instance: NewInstance, note: EventNote, maxLivePerOwner?: number): Instance {
    const insert = this.db.transaction(() => {
      if (maxLivePerOwner !== undefined) {
        const live = this.countLive(instance.owner);
        if (live >= maxLivePerOwner) {
          throw new QuotaError(
            `You already have ${live} machine${live === 1 ? "" : "s"} running; the limit is ${maxLivePerOwner}. Delete one first.`,
          );
        }
      }
      this.db
        .prepare(
          `INSERT INTO instances (id, owner, owner_email, ssh_keys, ssh_key_fingerprint, server_type, location,
             status, created_at, expires_at)
           VALUES (@id, @owner, @ownerEmail, @sshKeys, @fingerprint, @serverType, @location, 'creating', @createdAt, @expiresAt)`,
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
        });
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
    return (this.db.prepare(sql).all(...params) as InstanceRow[]).map(fromRow);
  }

  countLive(owner: string): number {
    const row = this.db
      .prepare(`SELECT count(*) AS n FROM instances WHERE owner = ? AND ${LIVE_SQL}`)
      .get(owner) as {
      n: number;
    };
    return row.n;
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
   * still says `from`: null when another extend (in any process) moved it first.
   */
  extendExpiry(id: string, from: Date, to: Date, note: EventNote): Instance | null {
    const moved = this.db.transaction(() => {
      if (!compareAndSetExpiry(this.db, id, from, to)) return null;
      this.insertEvent(id, note);
      return this.require(id);
    });
    return moved.immediate();
  }

  /** Marks an instance deleted; the row stays for usage and audit. */
  remove(id: string, note: EventNote): Instance {
    return this.update(id, { status: "deleted", deletedAt: this.clock.now() }, note);
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
    ) as {
      id: number;
      instance_id: string | null;
      at: number;
      actor: string;
      kind: string;
      detail: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      instanceId: r.instance_id,
      at: new Date(r.at),
      actor: r.actor,
      kind: r.kind,
      detail: r.detail,
    }));
  }

  /** The SSH keys of the owner's most recent instance, to prefill the next request. */
  lastKeysOf(owner: string): string[] | null {
    const row = this.db
      .prepare("SELECT ssh_keys FROM instances WHERE owner = ? ORDER BY created_at DESC LIMIT 1")
      .get(owner) as { ssh_keys: string } | undefined;
    return row ? (JSON.parse(row.ssh_keys) as string[]) : null;
  }

  private insertEvent(instanceId: string | null, note: EventNote): void {
    this.db
      .prepare("INSERT INTO events (instance_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)")
      .run(instanceId, toMs(this.clock.now()), note.actor, note.kind, note.detail ?? null);
  }
}
