import type Database from "better-sqlite3";

// Volumes and snapshots are billed from their own rows: the price copied in when each was made
// (in the same write that records it as made), and their create and delete times. Nothing is added
// up on the side, so there is no second write a crash could lose or repeat.

export type StorageKind = "volume" | "snapshot";

/** A volume or snapshot that was held for some time, with what it is billed at. */
export interface HeldStorage {
  kind: StorageKind;
  /** `volume:<Hetzner id>` or `snapshot:<saved instance>`: unique across both kinds. */
  id: string;
  owner: string;
  location: string;
  /** GB billed: a volume's size, a snapshot's image size (fractional). */
  sizeGb: number;
  /** Gross € per GB-month, Hetzner's decimal string. */
  pricePerGbMonth: string;
  from: Date;
  /** When it was deleted; null while it is held. */
  to: Date | null;
}

interface HeldRow {
  kind: StorageKind;
  id: string;
  owner: string;
  location: string;
  size_gb: number;
  price: string;
  from_at: number;
  to_at: number | null;
}

// Only what was made and priced: a volume promised but never made, an orphan noted by reconcile, a
// save that failed or never finished hold nothing billed here.
const HELD = `
  SELECT 'volume' AS kind, 'volume:' || hetzner_id AS id, owner, location, size_gb,
    price_per_gb_month AS price, created_at AS from_at, closed_at AS to_at
  FROM work_volumes
  WHERE hetzner_id IS NOT NULL AND price_per_gb_month IS NOT NULL
    AND created_at < @end AND (closed_at IS NULL OR closed_at > @start) AND (@owner IS NULL OR owner = @owner)
  UNION ALL
  SELECT 'snapshot', 'snapshot:' || instance_id, owner, location, image_size_gb,
    price_per_gb_month, created_at, deleted_at
  FROM snapshots
  WHERE status IN ('available', 'deleted') AND image_size_gb IS NOT NULL AND price_per_gb_month IS NOT NULL
    AND created_at < @end AND (deleted_at IS NULL OR deleted_at > @start) AND (@owner IS NULL OR owner = @owner)
  ORDER BY from_at, id`;

/** The volumes and snapshots to bill, read from their own tables. Only `Store` creates it. */
export class StorageLedgerTable {
  private readonly held: Database.Statement;

  constructor(db: Database.Database) {
    this.held = db.prepare(HELD);
  }

  /** Those held at some point in [start, end); one person's when `owner`. */
  heldIn(start: Date, end: Date, owner?: string): HeldStorage[] {
    const rows = this.held.all({
      start: start.getTime(),
      end: end.getTime(),
      owner: owner ?? null,
    }) as HeldRow[];
    return rows.map((r) => ({
      kind: r.kind,
      id: r.id,
      owner: r.owner,
      location: r.location,
      sizeGb: r.size_gb,
      pricePerGbMonth: r.price,
      from: new Date(r.from_at),
      to: r.to_at === null ? null : new Date(r.to_at),
    }));
  }
}
