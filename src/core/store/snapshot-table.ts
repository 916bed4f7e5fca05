import type Database from "better-sqlite3";

export const SNAPSHOT_STATUSES = ["saving", "available", "failed", "deleted"] as const;
export type SnapshotStatus = (typeof SNAPSHOT_STATUSES)[number];

/**
 * The saved disk of one machine, named by the instance it was taken from (a machine is saved at
 * most once: saving deletes it). Times are UTC `Date`s.
 */
export interface Snapshot {
  /** The saved instance's id, which is also how people name the snapshot. */
  id: string;
  owner: string;
  status: SnapshotStatus;
  /** Hetzner's image id; null until the create call answered. */
  imageId: number | null;
  /** The saved machine's pinned SSH host key: a restored machine shows the same one. */
  hostKey: string | null;
  architecture: "x86" | "arm";
  /** GB of the saved disk: a restore needs a type with at least this much. */
  diskGb: number;
  /** GB stored, what Hetzner bills; null until the snapshot is made. */
  imageSizeGb: number | null;
  serverType: string;
  location: string;
  createdAt: Date;
  /** End of retention: the image is deleted then, after a reminder a day before. */
  expiresAt: Date;
  /** The retention deadline the owner was last reminded of. */
  remindedFor: Date | null;
  error: string | null;
  deletedAt: Date | null;
}

export type NewSnapshot = Pick<
  Snapshot,
  | "id"
  | "owner"
  | "hostKey"
  | "architecture"
  | "diskGb"
  | "serverType"
  | "location"
  | "createdAt"
  | "expiresAt"
>;

interface SnapshotRow {
  instance_id: string;
  owner: string;
  status: SnapshotStatus;
  image_id: number | null;
  host_key: string | null;
  architecture: "x86" | "arm";
  disk_gb: number;
  image_size_gb: number | null;
  server_type: string;
  location: string;
  created_at: number;
  expires_at: number;
  reminded_for: number | null;
  error: string | null;
  deleted_at: number | null;
}

const KEPT = "status IN ('saving','available')";

function fromRow(r: SnapshotRow): Snapshot {
  const at = (ms: number | null) => (ms === null ? null : new Date(ms));
  return {
    id: r.instance_id,
    owner: r.owner,
    status: r.status,
    imageId: r.image_id,
    hostKey: r.host_key,
    architecture: r.architecture,
    diskGb: r.disk_gb,
    imageSizeGb: r.image_size_gb,
    serverType: r.server_type,
    location: r.location,
    createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at),
    remindedFor: at(r.reminded_for),
    error: r.error,
    deletedAt: at(r.deleted_at),
  };
}

/** Why `begin` did not start a save. */
export type BeginRefusal = { kind: "saving" } | { kind: "full"; oldest: Snapshot };

/** Snapshots of saved machines, over the store's connection. Only `Store` creates it. */
export class SnapshotTable {
  constructor(private readonly db: Database.Database) {}

  /**
   * Records a save as under way, unless one of this machine is under way already or the owner
   * holds `maxPerOwner` snapshots: the check and the insert share one transaction, so two saves
   * racing cannot both pass. A failed or deleted earlier row of the machine is replaced.
   */
  begin(snapshot: NewSnapshot, maxPerOwner: number): Snapshot | BeginRefusal {
    const run = this.db.transaction((): Snapshot | BeginRefusal => {
      const existing = this.get(snapshot.id);
      if (existing?.status === "saving" || existing?.status === "available") return { kind: "saving" };
      const kept = this.list({ owner: snapshot.owner });
      const oldest = kept.at(-1);
      if (kept.length >= maxPerOwner && oldest) return { kind: "full", oldest };
      this.db
        .prepare(
          `INSERT INTO snapshots (instance_id, owner, status, host_key, architecture, disk_gb, server_type,
             location, created_at, expires_at)
           VALUES (@id, @owner, 'saving', @hostKey, @architecture, @diskGb, @serverType, @location, @createdAt, @expiresAt)
           ON CONFLICT (instance_id) DO UPDATE SET status = 'saving', image_id = NULL, image_size_gb = NULL,
             price_per_gb_month = NULL,
             error = NULL, deleted_at = NULL, reminded_for = NULL, created_at = excluded.created_at,
             expires_at = excluded.expires_at, host_key = excluded.host_key`,
        )
        .run({
          ...snapshot,
          createdAt: snapshot.createdAt.getTime(),
          expiresAt: snapshot.expiresAt.getTime(),
        });
      return this.require(snapshot.id);
    });
    return run.immediate();
  }

  get(id: string): Snapshot | null {
    const row = this.db.prepare("SELECT * FROM snapshots WHERE instance_id = ?").get(id) as
      | SnapshotRow
      | undefined;
    return row ? fromRow(row) : null;
  }

  private require(id: string): Snapshot {
    const found = this.get(id);
    if (!found) throw new Error(`no snapshot row ${id}`);
    return found;
  }

  /** Saving and available snapshots, newest first; one owner's when given. */
  list(filter: { owner?: string } = {}): Snapshot[] {
    const rows =
      filter.owner === undefined
        ? this.db.prepare(`SELECT * FROM snapshots WHERE ${KEPT} ORDER BY created_at DESC, instance_id`).all()
        : this.db
            .prepare(
              `SELECT * FROM snapshots WHERE owner = ? AND ${KEPT} ORDER BY created_at DESC, instance_id`,
            )
            .all(filter.owner);
    return (rows as SnapshotRow[]).map(fromRow);
  }

  /** Every row whatever its status, for the reconciler to match images against. */
  byImageId(imageId: number): Snapshot | null {
    const row = this.db.prepare("SELECT * FROM snapshots WHERE image_id = ?").get(imageId) as
      | SnapshotRow
      | undefined;
    return row ? fromRow(row) : null;
  }

  setImage(id: string, imageId: number): Snapshot {
    this.db.prepare("UPDATE snapshots SET image_id = ? WHERE instance_id = ?").run(imageId, id);
    return this.require(id);
  }

  /** The image is made: what it holds as Hetzner reports it. */
  available(
    id: string,
    made: {
      imageSizeGb: number | null;
      diskGb: number;
      architecture: "x86" | "arm";
      /** The gross price per GB-month it is billed at; null when the price list could not be had. */
      pricePerGbMonth?: string | null;
    },
  ): Snapshot {
    this.db
      .prepare(
        `UPDATE snapshots SET status = 'available', image_size_gb = @imageSizeGb, disk_gb = @diskGb,
           architecture = @architecture, price_per_gb_month = @price WHERE instance_id = @id`,
      )
      .run({
        imageSizeGb: made.imageSizeGb,
        diskGb: made.diskGb,
        architecture: made.architecture,
        price: made.pricePerGbMonth ?? null,
        id,
      });
    return this.require(id);
  }

  failed(id: string, error: string): Snapshot {
    this.db.prepare("UPDATE snapshots SET status = 'failed', error = ? WHERE instance_id = ?").run(error, id);
    return this.require(id);
  }

  /** Closes the row: its image was deleted, or vanished. */
  deleted(id: string, at: Date, reason: string | null = null): Snapshot {
    this.db
      .prepare("UPDATE snapshots SET status = 'deleted', deleted_at = ?, error = ? WHERE instance_id = ?")
      .run(at.getTime(), reason, id);
    return this.require(id);
  }

  /** Moves the retention deadline; the reminder is due again for the new one. */
  keep(id: string, expiresAt: Date): Snapshot {
    this.db.prepare("UPDATE snapshots SET expires_at = ? WHERE instance_id = ?").run(expiresAt.getTime(), id);
    return this.require(id);
  }

  /** True for the one caller that claims the reminder of this deadline. */
  claimReminder(id: string, deadline: Date): boolean {
    const result = this.db
      .prepare(
        `UPDATE snapshots SET reminded_for = @deadline WHERE instance_id = @id AND status = 'available'
           AND expires_at = @deadline AND (reminded_for IS NULL OR reminded_for <> @deadline)`,
      )
      .run({ id, deadline: deadline.getTime() });
    return result.changes > 0;
  }

  /** Records that the instance runs a restored disk that knows itself as `machineId`. */
  setMachineId(instanceId: string, machineId: string): void {
    this.db
      .prepare("INSERT OR REPLACE INTO restored_machines (instance_id, machine_id) VALUES (?, ?)")
      .run(instanceId, machineId);
  }

  /** The id the machine knows itself by: the saved instance's for a restored one, else its own. */
  machineIdOf(instanceId: string): string {
    const row = this.db
      .prepare("SELECT machine_id FROM restored_machines WHERE instance_id = ?")
      .get(instanceId) as { machine_id: string } | undefined;
    return row?.machine_id ?? instanceId;
  }

  /** Available snapshots whose deadline is at or before `horizon`, soonest first. */
  dueBy(horizon: Date): Snapshot[] {
    return (
      this.db
        .prepare("SELECT * FROM snapshots WHERE status = 'available' AND expires_at <= ? ORDER BY expires_at")
        .all(horizon.getTime()) as SnapshotRow[]
    ).map(fromRow);
  }
}
