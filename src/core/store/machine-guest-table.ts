import type Database from "better-sqlite3";

/** Someone the owner (or an admin) let into a machine, with the one key they log in with. */
export interface MachineGuest {
  instanceId: string;
  guest: string;
  sshKey: string;
  addedAt: Date;
  addedBy: string;
  /** The guest account they log in to, without sudo; null: they log in as claude, with sudo. */
  account: string | null;
  /** The owner let them in with their secrets: the machine keeps them while this guest has access. */
  withSecrets: boolean;
}

interface MachineGuestRow {
  instance_id: string;
  guest: string;
  ssh_key: string;
  added_at: number;
  added_by: string;
  account: string | null;
  with_secrets: number;
}

/** Guests of machines (migration 6), over the store's connection. Only `Store` creates it. */
export class MachineGuestTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      // Sharing again with the same person replaces their key rather than adding a second one.
      put: db.prepare(
        `INSERT INTO machine_guests (instance_id, guest, ssh_key, added_at, added_by, account, with_secrets)
         VALUES (@instanceId, @guest, @sshKey, @addedAt, @addedBy, @account, @withSecrets)
         ON CONFLICT (instance_id, guest) DO UPDATE SET ssh_key = excluded.ssh_key,
           added_at = excluded.added_at, added_by = excluded.added_by, account = excluded.account,
           with_secrets = excluded.with_secrets`,
      ),
      remove: db.prepare("DELETE FROM machine_guests WHERE instance_id = ? AND guest = ?"),
      list: db.prepare("SELECT * FROM machine_guests WHERE instance_id = ? ORDER BY added_at, guest"),
      // Every guest of a list of machines in one query (`json_each` takes the ids as one JSON array).
      names: db.prepare(
        `SELECT instance_id, guest FROM machine_guests
         WHERE instance_id IN (SELECT value FROM json_each(?)) ORDER BY added_at, guest`,
      ),
    };
  }

  put(
    guest: Omit<MachineGuest, "account" | "withSecrets"> & { account?: string | null; withSecrets?: boolean },
  ): void {
    this.statements.put.run({
      ...guest,
      account: guest.account ?? null,
      withSecrets: guest.withSecrets ? 1 : 0,
      addedAt: guest.addedAt.getTime(),
    });
  }

  /** False when the person was not a guest of the machine. */
  remove(instanceId: string, guest: string): boolean {
    return this.statements.remove.run(instanceId, guest).changes > 0;
  }

  /** The guests' names of each machine that has any, first let in first: one query for a whole list. */
  namesByInstance(instanceIds: readonly string[]): Map<string, string[]> {
    const byInstance = new Map<string, string[]>();
    if (instanceIds.length === 0) return byInstance;
    const rows = this.statements.names.all(JSON.stringify(instanceIds)) as {
      instance_id: string;
      guest: string;
    }[];
    for (const row of rows) {
      const names = byInstance.get(row.instance_id) ?? [];
      names.push(row.guest);
      byInstance.set(row.instance_id, names);
    }
    return byInstance;
  }

  /** A machine's guests, first let in first. */
  list(instanceId: string): MachineGuest[] {
    return (this.statements.list.all(instanceId) as MachineGuestRow[]).map((r) => ({
      instanceId: r.instance_id,
      guest: r.guest,
      sshKey: r.ssh_key,
      addedAt: new Date(r.added_at),
      addedBy: r.added_by,
      account: r.account,
      withSecrets: r.with_secrets === 1,
    }));
  }
}
