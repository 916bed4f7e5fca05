import type Database from "better-sqlite3";

/** A Slack channel's default repository, for tasks asked there without naming one. */
export interface ChannelRepo {
  channel: string;
  /** As the person gave it (owner/name[@branch] or a clone URL), checked for form when set. */
  repo: string;
  setBy: string;
  setAt: Date;
}

interface ChannelRepoRow {
  channel: string;
  repo: string;
  set_by: string;
  set_at: number;
}

/** Channels' default repositories. Only `Store` creates it. */
export class ChannelRepoTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      get: db.prepare("SELECT * FROM channel_repos WHERE channel = ?"),
      put: db.prepare(
        `INSERT INTO channel_repos (channel, repo, set_by, set_at) VALUES (@channel, @repo, @setBy, @setAt)
         ON CONFLICT (channel) DO UPDATE SET repo = excluded.repo, set_by = excluded.set_by, set_at = excluded.set_at`,
      ),
      remove: db.prepare("DELETE FROM channel_repos WHERE channel = ?"),
    };
  }

  get(channel: string): ChannelRepo | null {
    const row = this.statements.get.get(channel) as ChannelRepoRow | undefined;
    return row
      ? { channel: row.channel, repo: row.repo, setBy: row.set_by, setAt: new Date(row.set_at) }
      : null;
  }

  put(entry: ChannelRepo): void {
    this.statements.put.run({ ...entry, setAt: entry.setAt.getTime() });
  }

  /** False when the channel had none. */
  remove(channel: string): boolean {
    return this.statements.remove.run(channel).changes > 0;
  }
}
