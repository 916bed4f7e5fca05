import type Database from "better-sqlite3";

/** A hibernated machine's Primary IPs, kept without a server so its wake answers at the same address. */
export interface KeptAddresses {
  id: number;
  instanceId: string;
  owner: string;
  location: string;
  ipv4Id: number | null;
  ipv4: string | null;
  ipv6Id: number | null;
  ipv6: string | null;
  /** Gross € per hour Hetzner bills for them while kept; null when the price list had none. */
  hourly: string | null;
  keptAt: Date;
  /** When ccc stopped keeping them: back on the woken server, or deleted. */
  releasedAt: Date | null;
  outcome: "woken" | "deleted" | null;
}

interface Row {
  id: number;
  instance_id: string;
  owner: string;
  location: string;
  ipv4_id: number | null;
  ipv4: string | null;
  ipv6_id: number | null;
  ipv6: string | null;
  hourly: string | null;
  kept_at: number;
  released_at: number | null;
  outcome: "woken" | "deleted" | null;
}

function keptOf(r: Row): KeptAddresses {
  return {
    id: r.id,
    instanceId: r.instance_id,
    owner: r.owner,
    location: r.location,
    ipv4Id: r.ipv4_id,
    ipv4: r.ipv4,
    ipv6Id: r.ipv6_id,
    ipv6: r.ipv6,
    hourly: r.hourly,
    keptAt: new Date(r.kept_at),
    releasedAt: r.released_at === null ? null : new Date(r.released_at),
    outcome: r.outcome,
  };
}

/** Kept Primary IPs, over the store's connection. Only `Store` creates it. */
export class KeptAddressTable {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      keep: db.prepare(
        `INSERT INTO kept_addresses (instance_id, owner, location, ipv4_id, ipv4, ipv6_id, ipv6, hourly, kept_at)
         VALUES (@instanceId, @owner, @location, @ipv4Id, @ipv4, @ipv6Id, @ipv6, @hourly, @keptAt)`,
      ),
      current: db.prepare("SELECT * FROM kept_addresses WHERE instance_id = ? AND released_at IS NULL"),
      held: db.prepare("SELECT * FROM kept_addresses WHERE released_at IS NULL ORDER BY id"),
      release: db.prepare(
        "UPDATE kept_addresses SET released_at = ?, outcome = ? WHERE id = ? AND released_at IS NULL",
      ),
      overlapping: db.prepare(
        "SELECT * FROM kept_addresses WHERE kept_at < @to AND (released_at IS NULL OR released_at > @from) ORDER BY id",
      ),
    };
  }

  /** Records the machine's addresses as kept from `keptAt` on. */
  keep(kept: Omit<KeptAddresses, "id" | "releasedAt" | "outcome">): KeptAddresses {
    this.s.keep.run({ ...kept, keptAt: kept.keptAt.getTime() });
    return this.current(kept.instanceId) as KeptAddresses;
  }

  /** The machine's addresses kept now, if any. */
  current(instanceId: string): KeptAddresses | null {
    const row = this.s.current.get(instanceId) as Row | undefined;
    return row ? keptOf(row) : null;
  }

  /** Every address kept now. */
  held(): KeptAddresses[] {
    return (this.s.held.all() as Row[]).map(keptOf);
  }

  /** No longer kept: on the woken server again, or deleted. True for the one caller that ends it. */
  release(id: number, outcome: "woken" | "deleted", now: Date): boolean {
    return this.s.release.run(now.getTime(), outcome, id).changes > 0;
  }

  /** Kept during some of `[from, to)`, for what they cost in a period. */
  overlapping(from: Date, to: Date): KeptAddresses[] {
    return (this.s.overlapping.all({ from: from.getTime(), to: to.getTime() }) as Row[]).map(keptOf);
  }
}
