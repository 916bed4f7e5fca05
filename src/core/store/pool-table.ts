import type Database from "better-sqlite3";

export type PoolMemberState = "installing" | "ready" | "claimed";

/** One machine of the warm pool. Its id is the instance id it is handed out under. */
export interface PoolMember {
  id: string;
  serverType: string;
  location: string;
  state: PoolMemberState;
  /** Hash of the project flake it was built from (see src/core/pool/flake-hash.ts). */
  flakeHash: string;
  hetznerServerId: number | null;
  ipv4: string | null;
  ipv6: string | null;
  hostKey: string | null;
  createdAt: Date;
  readyAt: Date | null;
  claimedAt: Date | null;
}

interface PoolMemberRow {
  id: string;
  server_type: string;
  location: string;
  state: PoolMemberState;
  flake_hash: string;
  hetzner_server_id: number | null;
  ipv4: string | null;
  ipv6: string | null;
  host_key: string | null;
  created_at: number;
  ready_at: number | null;
  claimed_at: number | null;
}

const toMember = (r: PoolMemberRow): PoolMember => ({
  id: r.id,
  serverType: r.server_type,
  location: r.location,
  state: r.state,
  flakeHash: r.flake_hash,
  hetznerServerId: r.hetzner_server_id,
  ipv4: r.ipv4,
  ipv6: r.ipv6,
  hostKey: r.host_key,
  createdAt: new Date(r.created_at),
  readyAt: r.ready_at === null ? null : new Date(r.ready_at),
  claimedAt: r.claimed_at === null ? null : new Date(r.claimed_at),
});

/** What a finished pool install learned about its machine. */
export interface PoolMachine {
  hetznerServerId: number;
  ipv4: string;
  ipv6: string | null;
  hostKey: string;
}

/** The warm pool's members (migration 9), over the store's connection. Only `Store` creates it. */
export class PoolTable {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    /** Ends (claimed, forgotten) and resumes (claim given back) a member's idle hours, in the same write. */
    private readonly idle: { end(id: string, at?: Date): void; resume(id: string): void } = {
      end: () => {},
      resume: () => {},
    },
  ) {
    this.statements = {
      add: db.prepare(
        `INSERT INTO pool_members (id, server_type, location, state, flake_hash, created_at)
         VALUES (?, ?, ?, 'installing', ?, ?)`,
      ),
      server: db.prepare(
        "UPDATE pool_members SET hetzner_server_id = ?, ipv4 = ?, ipv6 = ? WHERE id = ? AND state = 'installing'",
      ),
      ready: db.prepare(
        `UPDATE pool_members SET state = 'ready', hetzner_server_id = @serverId, ipv4 = @ipv4, ipv6 = @ipv6,
           host_key = @hostKey, ready_at = @at WHERE id = @id AND state = 'installing'`,
      ),
      // One statement picks and takes the oldest fitting member: SQLite runs it alone, so two claims
      // at the same moment can never both get it.
      claim: db.prepare(
        `UPDATE pool_members SET state = 'claimed', claimed_at = @at
         WHERE id = (SELECT id FROM pool_members
                     WHERE state = 'ready' AND server_type = @serverType AND location = @location
                       AND flake_hash = @flakeHash AND created_at > @bornAfter
                     ORDER BY ready_at, id LIMIT 1)
         RETURNING *`,
      ),
      unclaim: db.prepare(
        "UPDATE pool_members SET state = 'ready', claimed_at = NULL WHERE id = ? AND state = 'claimed'",
      ),
      remove: db.prepare("DELETE FROM pool_members WHERE id = ?"),
      removeReady: db.prepare("DELETE FROM pool_members WHERE id = ? AND state = 'ready'"),
      get: db.prepare("SELECT * FROM pool_members WHERE id = ?"),
      list: db.prepare("SELECT * FROM pool_members ORDER BY server_type, location, created_at, id"),
    };
  }

  /** Records a member about to be installed. */
  add(member: { id: string; serverType: string; location: string; flakeHash: string; at: Date }): PoolMember {
    const { id, serverType, location, flakeHash, at } = member;
    this.statements.add.run(id, serverType, location, flakeHash, at.getTime());
    return this.require(id);
  }

  /** Remembers the member's server as soon as it exists, so a crash leaves something to clean up. */
  serverCreated(id: string, server: { id: number; ipv4: string | null; ipv6: string | null }): void {
    this.statements.server.run(server.id, server.ipv4, server.ipv6, id);
  }

  /** False when the member was removed while it installed. */
  ready(id: string, machine: PoolMachine, at: Date): boolean {
    return (
      this.statements.ready.run({ id, ...machine, serverId: machine.hetznerServerId, at: at.getTime() })
        .changes > 0
    );
  }

  /** Takes the oldest ready member of that type and location built from `flakeHash`, or null. */
  claim(query: {
    serverType: string;
    location: string;
    flakeHash: string;
    bornAfter: Date;
    at: Date;
  }): PoolMember | null {
    return this.db.transaction(() => {
      const row = this.statements.claim.get({
        ...query,
        bornAfter: query.bornAfter.getTime(),
        at: query.at.getTime(),
      }) as PoolMemberRow | undefined;
      if (row) this.idle.end(row.id, query.at);
      return row ? toMember(row) : null;
    })();
  }

  /** Gives a claimed member back (the request it was claimed for was refused). */
  unclaim(id: string): boolean {
    return this.db.transaction(() => {
      const changed = this.statements.unclaim.run(id).changes > 0;
      if (changed) this.idle.resume(id);
      return changed;
    })();
  }

  /** Forgets a member only while it is ready: one a claim took meanwhile stays. */
  removeIfReady(id: string): boolean {
    return this.db.transaction(() => {
      const removed = this.statements.removeReady.run(id).changes > 0;
      if (removed) this.idle.end(id);
      return removed;
    })();
  }

  remove(id: string): boolean {
    return this.db.transaction(() => {
      const removed = this.statements.remove.run(id).changes > 0;
      if (removed) this.idle.end(id);
      return removed;
    })();
  }

  get(id: string): PoolMember | null {
    const row = this.statements.get.get(id) as PoolMemberRow | undefined;
    return row ? toMember(row) : null;
  }

  require(id: string): PoolMember {
    const member = this.get(id);
    if (!member) throw new Error(`no pool member ${id}`);
    return member;
  }

  list(): PoolMember[] {
    return (this.statements.list.all() as PoolMemberRow[]).map(toMember);
  }
}
