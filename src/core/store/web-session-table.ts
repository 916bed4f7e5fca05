import type Database from "better-sqlite3";

/** A one-time secret waiting to be used: a sign-in link, or a "Sign in with Slack" round trip. */
export interface WebTicket {
  kind: "link" | "oidc";
  /** Who the link signs in; null for an OIDC round trip (Slack says who at the end). */
  user: string | null;
  /** The OIDC nonce the ID token must carry; null for a link. */
  nonce: string | null;
  expiresAt: Date;
}

/** A signed-in browser. Only hashes of the cookie are kept, so a copy of the file signs nobody in. */
export interface WebSession {
  user: string;
  /** The per-session CSRF token every form posts back. */
  csrf: string;
  expiresAt: Date;
  /** One message for the next page (after a redirect), then cleared. */
  flash: string | null;
}

interface TicketRow {
  kind: "link" | "oidc";
  user: string | null;
  nonce: string | null;
  expires_at: number;
}

interface SessionRow {
  user: string;
  csrf: string;
  expires_at: number;
  flash: string | null;
}

/** Web sign-in tickets and sessions (migration 8), keyed by SHA-256 hashes. Only `Store` creates it. */
export class WebSessionTable {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      addTicket: db.prepare(
        "INSERT INTO web_tickets (hash, kind, user, nonce, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      // Single use: the row goes in the same statement that reads it, so two clicks cannot both win.
      takeTicket: db.prepare(
        "DELETE FROM web_tickets WHERE hash = ? AND kind = ? RETURNING kind, user, nonce, expires_at",
      ),
      pruneTickets: db.prepare("DELETE FROM web_tickets WHERE expires_at <= ?"),
      addSession: db.prepare(
        "INSERT INTO web_sessions (hash, user, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      ),
      session: db.prepare(
        "SELECT user, csrf, expires_at, flash FROM web_sessions WHERE hash = ? AND expires_at > ?",
      ),
      setFlash: db.prepare("UPDATE web_sessions SET flash = ? WHERE hash = ?"),
      removeSession: db.prepare("DELETE FROM web_sessions WHERE hash = ?"),
      removeSessionsOf: db.prepare("DELETE FROM web_sessions WHERE user = ?"),
      pruneSessions: db.prepare("DELETE FROM web_sessions WHERE expires_at <= ?"),
    };
  }

  addTicket(hash: string, ticket: WebTicket, now: Date): void {
    this.statements.pruneTickets.run(now.getTime());
    const { kind, user, nonce, expiresAt } = ticket;
    this.statements.addTicket.run(hash, kind, user, nonce, now.getTime(), expiresAt.getTime());
  }

  /** The ticket, removed; null when unknown, already used, or expired. */
  takeTicket(hash: string, kind: WebTicket["kind"], now: Date): WebTicket | null {
    const row = this.statements.takeTicket.get(hash, kind) as TicketRow | undefined;
    if (!row || row.expires_at <= now.getTime()) return null;
    return { kind: row.kind, user: row.user, nonce: row.nonce, expiresAt: new Date(row.expires_at) };
  }

  addSession(hash: string, session: Omit<WebSession, "flash">, now: Date): void {
    this.statements.pruneSessions.run(now.getTime());
    this.statements.addSession.run(
      hash,
      session.user,
      session.csrf,
      now.getTime(),
      session.expiresAt.getTime(),
    );
  }

  /** The live session, with its flash message taken (cleared) in the same transaction. */
  takeSession(hash: string, now: Date): WebSession | null {
    return this.db.transaction(() => {
      const row = this.statements.session.get(hash, now.getTime()) as SessionRow | undefined;
      if (!row) return null;
      if (row.flash !== null) this.statements.setFlash.run(null, hash);
      return { user: row.user, csrf: row.csrf, expiresAt: new Date(row.expires_at), flash: row.flash };
    })();
  }

  setFlash(hash: string, flash: string): void {
    this.statements.setFlash.run(flash, hash);
  }

  removeSession(hash: string): void {
    this.statements.removeSession.run(hash);
  }

  /** Signs a person out of every browser; how many sessions there were. */
  removeSessionsOf(user: string): number {
    return this.statements.removeSessionsOf.run(user).changes;
  }
}
