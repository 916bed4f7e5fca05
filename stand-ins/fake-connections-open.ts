// Slack's `apps.connections.open` for the Socket Mode fake, answered on the fake Web API: a POST
// with `Authorization: Bearer <the xapp- token>` gets a one-time `ws://` URL. Outages (HTTP 503, a
// dropped connection, or a Slack error) N times or until ended, and a revoked token.
import { randomUUID } from "node:crypto";
import type { FakeSlack } from "./fake-slack.ts";

export type OutageKind = "http_503" | "drop" | { error: string };

export interface ConnectionsOpenCall {
  at: number;
  /** `url`, the outage kind, or the Slack error answered. */
  answer: string;
}

export class FakeConnectionsOpen {
  readonly calls: ConnectionsOpenCall[] = [];
  private readonly tickets = new Set<string>();
  private outage: { kind: OutageKind; left: number } | null = null;
  private revoked = false;

  constructor(
    slack: FakeSlack,
    readonly appToken: string,
    socketUrl: () => string,
  ) {
    slack.route("apps.connections.open", ({ headers, httpMethod }) => {
      if (this.outage && this.outage.left > 0) {
        this.outage.left -= 1;
        const kind = this.outage.kind;
        this.record(typeof kind === "string" ? kind : kind.error);
        if (kind === "drop") return "drop";
        if (kind === "http_503") return { status: 503, body: "upstream connect error" };
        return { status: 200, body: { ok: false, error: kind.error } };
      }
      const refuse = (error: string) => {
        this.record(error);
        return { status: 200, body: { ok: false, error } };
      };
      if (httpMethod !== "POST") return refuse("method_not_supported");
      const token = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
      if (!token) return refuse("not_authed");
      if (!token.startsWith("xapp-")) return refuse("not_allowed_token_type");
      if (token !== appToken || this.revoked) return refuse("invalid_auth");
      const ticket = randomUUID();
      this.tickets.add(ticket);
      this.record("url");
      return { status: 200, body: { ok: true, url: `${socketUrl()}?ticket=${ticket}` } };
    });
  }

  /** Whether `ticket` was handed out and not used yet; it is used up now. */
  redeem(ticket: string): boolean {
    return this.tickets.delete(ticket);
  }

  startOutage(kind: OutageKind, times = Number.POSITIVE_INFINITY): void {
    this.outage = { kind, left: times };
  }

  endOutage(): void {
    this.outage = null;
  }

  revoke(): void {
    this.revoked = true;
  }

  private record(answer: string): void {
    this.calls.push({ at: Date.now(), answer });
  }
}
