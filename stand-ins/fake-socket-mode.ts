// A stand-in for Slack's Socket Mode, as strict as Slack: `apps.connections.open` on the fake Web
// API (so SLACK_API_URL stays the only switch) and the WebSocket server its URLs point at, on its
// own port like Slack's separate socket hosts. No test-framework imports.
//
//   const slack = await startFakeSlack();
//   const socket = await startFakeSocketMode(slack);
//   startBot({ SLACK_APP_TOKEN: socket.appToken, SLACK_API_URL: slack.apiUrl, ... })
//   const ack = await socket.deliver("slash_commands", payload);   // what the bot acked with
//
// apps.connections.open (fake-connections-open.ts) wants the xapp- token and answers a `ws://` URL
// whose ticket works once. Each connection is greeted with `hello`. Every envelope must be acked on
// the connection it came on, once, within 3 s, as `{envelope_id, payload?}`, with a non-empty
// payload only where `accepts_response_payload`; anything else lands in `problems()`, which a test
// expects to be empty. An envelope waits (up to `holdMs`) while no connection is up; a connection
// that was sent `disconnect` gets no new ones. Unlike Slack, it neither pings nor retries events.
// Faults: `outage()` makes apps.connections.open fail (HTTP 503, a dropped connection, or a Slack
// error) N times or until `endOutage()`; `disconnect(reason)` asks for a reconnect as Slack does;
// `cut()` drops the connection, abruptly or silently (no more pongs, so only the client's ping
// check notices); `revoke()` invalidates the app token.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { type ConnectionsOpenCall, FakeConnectionsOpen, type OutageKind } from "./fake-connections-open.ts";
import type { FakeSlack } from "./fake-slack.ts";
import { waitForState } from "./wait-for-state.ts";

export type { ConnectionsOpenCall, OutageKind };

/**
 * Bot-side Socket Mode timings for tests: reconnects after 2 s instead of 5, retries within 100 ms.
 * The pong deadline is the same number, so it stays long enough for a busy test process.
 */
export const FAST_SOCKET = {
  pingTimeoutMs: 2_000,
  retryConfig: { forever: true, factor: 2, minTimeout: 20, maxTimeout: 100 },
};

export type EnvelopeType = "slash_commands" | "interactive" | "events_api";

export interface SocketConnection {
  id: number;
  openedAt: number;
  /** Set once the client is gone, however that happened. */
  closedAt: number | null;
}

export interface Ack {
  envelopeId: string;
  type: EnvelopeType;
  /** What the bot sent back with the ack (`{}` when nothing). */
  payload: Record<string, unknown>;
  connection: number;
}

export interface FakeSocketMode {
  appToken: string;
  appId: string;
  /** Sends an envelope (waiting for a connection if none is up) and resolves with the bot's ack. */
  deliver(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    options?: { acceptsResponsePayload?: boolean },
  ): Promise<Ack>;
  /** Connections so far, the first first. */
  connections(): SocketConnection[];
  /** The connection envelopes go to now, if any. */
  live(): SocketConnection | null;
  opens(): ConnectionsOpenCall[];
  acks(): Ack[];
  problems(): string[];
  outage(kind: OutageKind, times?: number): void;
  endOutage(): void;
  /** Slack's `disconnect` message on the live connection. */
  disconnect(reason: "refresh_requested" | "warning" | "link_disabled"): void;
  /** Drops the live connection: a reset (`abrupt`) or a link that silently stops carrying anything. */
  cut(how?: "abrupt" | "silent"): void;
  revoke(): void;
  /** Polls until `check` returns something truthy (or throws after `timeoutMs`). */
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs?: number, what?: string): Promise<T>;
  close(): Promise<void>;
}

export interface FakeSocketModeOptions {
  /** Slack's deadline for an ack (3 s). */
  ackTimeoutMs?: number;
  /** How long an envelope waits for a connection before it is given up (10 s). */
  holdMs?: number;
}

interface Live {
  info: SocketConnection;
  ws: WebSocket;
  /** Asked to reconnect: Slack sends it nothing new. */
  retiring: boolean;
}

interface Pending {
  envelopeId: string;
  type: EnvelopeType;
  acceptsResponsePayload: boolean;
  connection: number;
  timer: NodeJS.Timeout;
  resolve(ack: Ack): void;
  reject(error: Error): void;
}

interface Waiting {
  send(conn: Live): void;
  fail(why: string): void;
}

export async function startFakeSocketMode(
  slack: FakeSlack,
  options: FakeSocketModeOptions = {},
): Promise<FakeSocketMode> {
  const appId = "A0CCC";
  const appToken = `xapp-1-${appId}-1234567890-fakeappleveltoken`;
  const ackTimeoutMs = options.ackTimeoutMs ?? 3_000;
  const holdMs = options.holdMs ?? 10_000;
  const conns: Live[] = [];
  const acks: Ack[] = [];
  const problems: string[] = [];
  const pending = new Map<string, Pending>();
  const late = new Set<string>();
  let waiting: Waiting[] = [];

  const server = createServer((_req, res) => void res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "", "ws://fake");
    const ticket = url.searchParams.get("ticket") ?? "";
    if (url.pathname !== "/link/" || !open.redeem(ticket)) {
      problems.push(`WebSocket upgrade refused: ${url.pathname} with an unknown or used ticket`);
      socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const open = new FakeConnectionsOpen(slack, appToken, () => `ws://127.0.0.1:${port}/link/`);

  const live = (): Live | undefined =>
    conns.filter((c) => c.info.closedAt === null && !c.retiring && c.ws.readyState === 1).at(-1);

  const accept = (ws: WebSocket) => {
    const conn: Live = {
      info: { id: conns.length + 1, openedAt: Date.now(), closedAt: null },
      ws,
      retiring: false,
    };
    conns.push(conn);
    ws.on("message", (data, isBinary) => onMessage(conn, isBinary ? null : data.toString()));
    ws.on("close", () => closed(conn));
    ws.on("error", () => closed(conn));
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: conns.filter((c) => c.info.closedAt === null).length,
        debug_info: {
          host: `applink-fake-${conn.info.id}`,
          build_number: 1,
          approximate_connection_time: 18_060,
        },
        connection_info: { app_id: appId },
      }),
    );
    const queued = waiting;
    waiting = [];
    for (const w of queued) w.send(conn);
  };

  const closed = (conn: Live) => {
    if (conn.info.closedAt !== null) return;
    conn.info.closedAt = Date.now();
    for (const p of pending.values()) {
      if (p.connection !== conn.info.id) continue;
      clearTimeout(p.timer);
      pending.delete(p.envelopeId);
      problems.push(`${p.type} envelope ${p.envelopeId} lost: its connection closed before the ack`);
      p.reject(new Error(`connection ${conn.info.id} closed before the ack of ${p.envelopeId}`));
    }
  };

  const onMessage = (conn: Live, text: string | null) => {
    if (text === null) return void problems.push("a binary frame from the client");
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return void problems.push(`a frame that is not JSON: ${text.slice(0, 80)}`);
    }
    const id = message.envelope_id;
    const extra = Object.keys(message).filter((k) => k !== "envelope_id" && k !== "payload");
    if (typeof id !== "string" || extra.length > 0)
      return void problems.push(`not an ack: ${text.slice(0, 120)}`);
    const p = pending.get(id);
    if (!p) {
      const why = late.has(id) ? "after Slack's deadline" : "for an unknown or already acked envelope";
      return void problems.push(`ack ${why}: ${id}`);
    }
    if (p.connection !== conn.info.id) problems.push(`ack of ${id} on another connection`);
    const payload = message.payload ?? {};
    if (typeof payload !== "object" || payload === null || Array.isArray(payload))
      return void problems.push(`ack of ${id} with a payload that is not an object`);
    if (!p.acceptsResponsePayload && Object.keys(payload).length > 0)
      problems.push(`ack of ${p.type} ${id} carries a payload Slack does not accept`);
    clearTimeout(p.timer);
    pending.delete(id);
    const ack: Ack = {
      envelopeId: id,
      type: p.type,
      payload: payload as Record<string, unknown>,
      connection: conn.info.id,
    };
    acks.push(ack);
    p.resolve(ack);
  };

  const deliver: FakeSocketMode["deliver"] = (type, payload, opts = {}) =>
    new Promise<Ack>((resolve, reject) => {
      const envelopeId = randomUUID();
      const acceptsResponsePayload = opts.acceptsResponsePayload ?? type === "slash_commands";
      const envelope = {
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: acceptsResponsePayload,
        ...(type === "events_api" ? { retry_attempt: 0, retry_reason: "" } : {}),
      };
      let hold: NodeJS.Timeout | undefined;
      const entry: Waiting = {
        send: (conn) => {
          clearTimeout(hold);
          const timer = setTimeout(() => {
            pending.delete(envelopeId);
            late.add(envelopeId);
            problems.push(`${type} envelope ${envelopeId} not acked within ${ackTimeoutMs} ms`);
            reject(new Error(`no ack for ${type} ${envelopeId} within ${ackTimeoutMs} ms`));
          }, ackTimeoutMs);
          pending.set(envelopeId, {
            envelopeId,
            type,
            acceptsResponsePayload,
            connection: conn.info.id,
            timer,
            resolve,
            reject,
          });
          conn.ws.send(JSON.stringify(envelope));
        },
        fail: (why) => {
          clearTimeout(hold);
          problems.push(`${type} envelope ${envelopeId} never delivered: ${why}`);
          reject(new Error(`${type} envelope never delivered: ${why}`));
        },
      };
      const conn = live();
      if (conn) return entry.send(conn);
      waiting.push(entry);
      hold = setTimeout(() => {
        waiting = waiting.filter((w) => w !== entry);
        entry.fail(`no connection within ${holdMs} ms`);
      }, holdMs);
    });

  return {
    appToken,
    appId,
    deliver,
    connections: () => conns.map((c) => ({ ...c.info })),
    live: () => {
      const conn = live();
      return conn ? { ...conn.info } : null;
    },
    opens: () => [...open.calls],
    acks: () => [...acks],
    problems: () => [...problems],
    outage: (kind, times) => open.startOutage(kind, times),
    endOutage: () => open.endOutage(),
    disconnect: (reason) => {
      const conn = live();
      if (!conn) throw new Error("no live connection to disconnect");
      conn.retiring = true;
      conn.ws.send(
        JSON.stringify({ type: "disconnect", reason, debug_info: { host: `applink-fake-${conn.info.id}` } }),
      );
    },
    cut: (how = "abrupt") => {
      const conn = live();
      if (!conn) throw new Error("no live connection to cut");
      if (how === "abrupt") return conn.ws.terminate();
      // Nothing arrives any more, pings included, so no pong goes back; the socket stays open.
      conn.ws.pause();
      closed(conn);
    },
    revoke: () => open.revoke(),
    waitFor: (check, timeoutMs = 10_000, what = "the expected Socket Mode state") =>
      waitForState(check, timeoutMs, what),
    close: async () => {
      for (const w of waiting) w.fail("the fake closed");
      waiting = [];
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error("the fake closed"));
      }
      pending.clear();
      for (const c of conns) c.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
