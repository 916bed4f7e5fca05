import type Database from "better-sqlite3";
import type { ServerPrice } from "../billing/price.ts";

// A pool machine costs from its server's creation until a claim hands it to someone (from then on the
// claimer's ledger bills it) or until it is discarded. Those idle hours are the operator's: nobody's
// budget counts them, and `usage` shows them as a line of their own.

/** One pool machine's idle span, at the price its type had when its server was made. */
export interface PoolIdle {
  memberId: string;
  serverType: string;
  location: string;
  price: Pick<ServerPrice, "hourly" | "monthly">;
  from: Date;
  /** When it was claimed or discarded; null while it waits. */
  to: Date | null;
}

interface PoolIdleRow {
  member_id: string;
  server_type: string;
  location: string;
  hourly: string;
  monthly: string;
  started_at: number;
  ended_at: number | null;
}

/** The pool's idle spans (see the migration that adds `pool_idle`). Only `Store` creates it. */
export class PoolIdleTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      open: db.prepare(
        `INSERT OR IGNORE INTO pool_idle (member_id, server_type, location, hourly, monthly, started_at)
         VALUES (@memberId, @serverType, @location, @hourly, @monthly, @at)`,
      ),
      close: db.prepare("UPDATE pool_idle SET ended_at = ? WHERE member_id = ? AND ended_at IS NULL"),
      reopen: db.prepare("UPDATE pool_idle SET ended_at = NULL WHERE member_id = ?"),
      overlapping: db.prepare(
        "SELECT * FROM pool_idle WHERE started_at < ? AND (ended_at IS NULL OR ended_at > ?) ORDER BY started_at",
      ),
    };
  }

  /** The member's server exists from `at`: its idle hours count from here. */
  open(member: Omit<PoolIdle, "from" | "to">, at: Date): void {
    this.statements.open.run({
      memberId: member.memberId,
      serverType: member.serverType,
      location: member.location,
      hourly: member.price.hourly,
      monthly: member.price.monthly,
      at: at.getTime(),
    });
  }

  /** Claimed or discarded at `at`; a second close changes nothing. */
  close(memberId: string, at: Date): void {
    this.statements.close.run(at.getTime(), memberId);
  }

  /** A claim given back (its request was refused): it waits, and costs, as before. */
  reopen(memberId: string): void {
    this.statements.reopen.run(memberId);
  }

  /** Idle spans with hours in [from, to). */
  overlapping(from: Date, to: Date): PoolIdle[] {
    const rows = this.statements.overlapping.all(to.getTime(), from.getTime()) as PoolIdleRow[];
    return rows.map((r) => ({
      memberId: r.member_id,
      serverType: r.server_type,
      location: r.location,
      price: { hourly: r.hourly, monthly: r.monthly },
      from: new Date(r.started_at),
      to: r.ended_at === null ? null : new Date(r.ended_at),
    }));
  }
}
