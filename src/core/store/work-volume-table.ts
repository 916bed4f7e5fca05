import type Database from "better-sqlite3";
import { LIVE_SQL } from "./instance-rows.ts";

/** A person's work volume in one location, as ccc keeps it. */
export interface WorkVolume {
  /** ccc's own row id. */
  rowId: number;
  /** The cloud's volume id; null until the first machine that asked for it has made it. */
  hetznerId: number | null;
  owner: string;
  location: string;
  sizeGb: number;
  linuxDevice: string | null;
  /** The live machine it serves (or was promised to), or null. */
  instanceId: string | null;
  createdAt: Date;
  /** When a machine last had it: the retention clock starts here. */
  lastUsedAt: Date;
  /** The retention reminder last sent since `lastUsedAt`: 7 or 1 (days before), 0 for none. */
  reminded: number;
  closedAt: Date | null;
}

interface WorkVolumeRow {
  id: number;
  hetzner_id: number | null;
  owner: string;
  location: string;
  size_gb: number;
  linux_device: string | null;
  instance_id: string | null;
  live: number;
  created_at: number;
  last_used_at: number;
  reminded: number;
  closed_at: number | null;
}

export type VolumeClaim =
  | { kind: "claimed"; volume: WorkVolume }
  /** Another live machine has it. */
  | { kind: "busy"; volume: WorkVolume; by: string };

// `instance_id` is only shown while that machine is live: a machine deleted without its volume being
// released (a crash) does not keep it.
const SELECT = `SELECT w.*, (w.instance_id IN (SELECT id FROM instances WHERE ${LIVE_SQL})) AS live
  FROM work_volumes w`;

function fromRow(r: WorkVolumeRow): WorkVolume {
  return {
    rowId: r.id,
    hetznerId: r.hetzner_id,
    owner: r.owner,
    location: r.location,
    sizeGb: r.size_gb,
    linuxDevice: r.linux_device,
    instanceId: r.live ? r.instance_id : null,
    createdAt: new Date(r.created_at),
    lastUsedAt: new Date(r.last_used_at),
    reminded: r.reminded,
    closedAt: r.closed_at === null ? null : new Date(r.closed_at),
  };
}

/** Work volumes (one open per person and location), over the store's connection. Only `Store` creates it. */
export class WorkVolumeTable {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      open: db.prepare(`${SELECT} WHERE w.owner = ? AND w.location = ? AND w.closed_at IS NULL`),
      byRow: db.prepare(`${SELECT} WHERE w.id = ?`),
      byHetznerId: db.prepare(`${SELECT} WHERE w.hetzner_id = ? AND w.closed_at IS NULL`),
      forInstance: db.prepare(`${SELECT} WHERE w.instance_id = ? AND w.closed_at IS NULL`),
      listAll: db.prepare(`${SELECT} WHERE w.closed_at IS NULL ORDER BY w.owner, w.location`),
      listOwner: db.prepare(`${SELECT} WHERE w.closed_at IS NULL AND w.owner = ? ORDER BY w.location`),
      insert: db.prepare(
        `INSERT INTO work_volumes (owner, location, size_gb, instance_id, created_at, last_used_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      take: db.prepare(
        "UPDATE work_volumes SET instance_id = ?, last_used_at = ?, reminded = 0 WHERE id = ?",
      ),
      made: db.prepare(
        `UPDATE work_volumes SET hetzner_id = ?, linux_device = ?, size_gb = ?, created_at = ?,
           price_per_gb_month = ? WHERE id = ?`,
      ),
      release: db.prepare(
        `UPDATE work_volumes SET instance_id = NULL, last_used_at = ?, reminded = 0
         WHERE instance_id = ? AND closed_at IS NULL`,
      ),
      releaseStale: db.prepare(
        `UPDATE work_volumes SET instance_id = NULL, last_used_at = ?, reminded = 0
         WHERE closed_at IS NULL AND instance_id IS NOT NULL
           AND instance_id NOT IN (SELECT id FROM instances WHERE ${LIVE_SQL})`,
      ),
      remind: db.prepare(
        `UPDATE work_volumes SET reminded = ?
         WHERE id = ? AND closed_at IS NULL AND instance_id IS NULL AND last_used_at = ? AND reminded = ?`,
      ),
      keep: db.prepare(
        "UPDATE work_volumes SET last_used_at = ?, reminded = 0 WHERE id = ? AND closed_at IS NULL",
      ),
      noteOrphan: db.prepare(
        `INSERT OR IGNORE INTO work_volumes (hetzner_id, owner, location, size_gb, created_at, last_used_at,
           closed_at, closed_reason) VALUES (?, ?, ?, ?, ?, ?, ?, 'orphan reported')`,
      ),
      close: db.prepare(
        "UPDATE work_volumes SET closed_at = ?, closed_reason = ? WHERE id = ? AND closed_at IS NULL",
      ),
    };
  }

  /** The person's open volume in that location, if any. */
  open(owner: string, location: string): WorkVolume | null {
    const row = this.statements.open.get(owner, location) as WorkVolumeRow | undefined;
    return row ? fromRow(row) : null;
  }

  get(rowId: number): WorkVolume | null {
    const row = this.statements.byRow.get(rowId) as WorkVolumeRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** The open volume with this cloud id. */
  byHetznerId(hetznerId: number): WorkVolume | null {
    const row = this.statements.byHetznerId.get(hetznerId) as WorkVolumeRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** The open volume promised to this machine. */
  forInstance(instanceId: string): WorkVolume | null {
    const row = this.statements.forInstance.get(instanceId) as WorkVolumeRow | undefined;
    return row?.live ? fromRow(row) : null;
  }

  /** Open volumes, everyone's or one person's. */
  list(owner?: string): WorkVolume[] {
    const rows = (
      owner === undefined ? this.statements.listAll.all() : this.statements.listOwner.all(owner)
    ) as WorkVolumeRow[];
    return rows.map(fromRow);
  }

  /**
   * Gives the person's volume in that location to a machine, or a new row (made in the cloud later)
   * when there is none. One transaction: two machines racing for one volume cannot both get it.
   */
  claim(owner: string, location: string, instanceId: string, sizeGb: number, now: Date): VolumeClaim {
    return this.db
      .transaction((): VolumeClaim => {
        const current = this.open(owner, location);
        if (!current) {
          const { lastInsertRowid } = this.statements.insert.run(
            owner,
            location,
            sizeGb,
            instanceId,
            now.getTime(),
            now.getTime(),
          );
          return { kind: "claimed", volume: this.get(Number(lastInsertRowid)) as WorkVolume };
        }
        if (current.instanceId !== null && current.instanceId !== instanceId) {
          return { kind: "busy", volume: current, by: current.instanceId };
        }
        this.statements.take.run(instanceId, now.getTime(), current.rowId);
        return { kind: "claimed", volume: this.get(current.rowId) as WorkVolume };
      })
      .immediate();
  }

  /**
   * Records the cloud's volume once it is made, with the gross price per GB-month it is billed at
   * from now on (null when the price list could not be had).
   */
  made(
    rowId: number,
    volume: {
      hetznerId: number;
      linuxDevice: string;
      sizeGb: number;
      createdAt: Date;
      pricePerGbMonth?: string | null;
    },
  ): void {
    this.statements.made.run(
      volume.hetznerId,
      volume.linuxDevice,
      volume.sizeGb,
      volume.createdAt.getTime(),
      volume.pricePerGbMonth ?? null,
      rowId,
    );
  }

  /** The machine is gone: its volume is free, and unused from now. False when it had none. */
  release(instanceId: string, now: Date): boolean {
    return this.statements.release.run(now.getTime(), instanceId).changes > 0;
  }

  /** Frees volumes whose machine ended without releasing them (a crash); how many. */
  releaseStale(now: Date): number {
    return this.statements.releaseStale.run(now.getTime()).changes;
  }

  /**
   * Claims the retention reminder `stage` (7 or 1 days before) for the volume's current idle spell;
   * false when it was sent already, or the volume was used or kept meanwhile.
   */
  claimReminder(volume: WorkVolume, stage: number): boolean {
    return (
      this.statements.remind.run(stage, volume.rowId, volume.lastUsedAt.getTime(), volume.reminded).changes >
      0
    );
  }

  /** "Keep it": the retention clock starts again now. */
  keep(rowId: number, now: Date): boolean {
    return this.statements.keep.run(now.getTime(), rowId).changes > 0;
  }

  /**
   * Remembers a labelled volume the store did not know, as a closed row (it never serves a machine);
   * false when it was noted before, so the admins hear of it once.
   */
  noteOrphan(
    volume: { hetznerId: number; owner: string; location: string; sizeGb: number },
    now: Date,
  ): boolean {
    const at = now.getTime();
    return (
      this.statements.noteOrphan.run(
        volume.hetznerId,
        volume.owner,
        volume.location,
        volume.sizeGb,
        at,
        at,
        at,
      ).changes > 0
    );
  }

  /** The volume is deleted (or vanished): the row stays for the record. */
  close(rowId: number, reason: string, now: Date): boolean {
    return this.statements.close.run(now.getTime(), reason, rowId).changes > 0;
  }
}
