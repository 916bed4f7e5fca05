import type Database from "better-sqlite3";

/** A key someone set as theirs (`/ccc key`, `ccc key set`), apart from any machine. */
export interface UserKey {
  user: string;
  sshKey: string;
  setAt: Date;
  setBy: string;
}

interface UserKeyRow {
  user: string;
  ssh_key: string;
  set_at: number;
  set_by: string;
}

/** People's own keys (migration 9), over the store's connection. Only `Store` creates it. */
export class UserKeyTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      put: db.prepare(
        `INSERT INTO user_keys (user, ssh_key, set_at, set_by) VALUES (@user, @sshKey, @setAt, @setBy)
         ON CONFLICT (user) DO UPDATE SET ssh_key = excluded.ssh_key, set_at = excluded.set_at,
           set_by = excluded.set_by`,
      ),
      get: db.prepare("SELECT * FROM user_keys WHERE user = ?"),
    };
  }

  put(key: UserKey): void {
    this.statements.put.run({ ...key, setAt: key.setAt.getTime() });
  }

  get(user: string): UserKey | null {
    const row = this.statements.get.get(user) as UserKeyRow | undefined;
    return row
      ? { user: row.user, sshKey: row.ssh_key, setAt: new Date(row.set_at), setBy: row.set_by }
      : null;
  }
}

/** A share waiting for its guest to set a key: completed when they do. */
export interface PendingShare {
  instanceId: string;
  guest: string;
  requestedBy: string;
  requestedAt: Date;
  /** Shared without sudo: the guest gets an account of their own when the share completes. */
  noSudo?: boolean;
  /** Shared with the owner's secrets kept on the machine. */
  withSecrets?: boolean;
}

interface PendingShareRow {
  instance_id: string;
  guest: string;
  requested_by: string;
  requested_at: number;
  no_sudo: number;
  with_secrets: number;
}

/** Shares waiting for a key (migration 9). Only `Store` creates it. */
export class PendingShareTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      put: db.prepare(
        `INSERT INTO pending_shares (instance_id, guest, requested_by, requested_at, no_sudo, with_secrets)
         VALUES (@instanceId, @guest, @requestedBy, @requestedAt, @noSudo, @withSecrets)
         ON CONFLICT (instance_id, guest) DO UPDATE SET requested_by = excluded.requested_by,
           requested_at = excluded.requested_at, no_sudo = excluded.no_sudo,
           with_secrets = excluded.with_secrets`,
      ),
      remove: db.prepare("DELETE FROM pending_shares WHERE instance_id = ? AND guest = ?"),
      forGuest: db.prepare("SELECT * FROM pending_shares WHERE guest = ? ORDER BY requested_at, instance_id"),
      forInstance: db.prepare(
        "SELECT * FROM pending_shares WHERE instance_id = ? ORDER BY requested_at, guest",
      ),
    };
  }

  put(share: PendingShare): void {
    this.statements.put.run({
      ...share,
      noSudo: share.noSudo ? 1 : 0,
      withSecrets: share.withSecrets ? 1 : 0,
      requestedAt: share.requestedAt.getTime(),
    });
  }

  /** False when there was no such pending share. */
  remove(instanceId: string, guest: string): boolean {
    return this.statements.remove.run(instanceId, guest).changes > 0;
  }

  forGuest(guest: string): PendingShare[] {
    return (this.statements.forGuest.all(guest) as PendingShareRow[]).map(fromRow);
  }

  forInstance(instanceId: string): PendingShare[] {
    return (this.statements.forInstance.all(instanceId) as PendingShareRow[]).map(fromRow);
  }
}

function fromRow(r: PendingShareRow): PendingShare {
  return {
    instanceId: r.instance_id,
    guest: r.guest,
    requestedBy: r.requested_by,
    requestedAt: new Date(r.requested_at),
    noSudo: r.no_sudo === 1,
    withSecrets: r.with_secrets === 1,
  };
}
