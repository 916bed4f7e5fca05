// The Socket Mode stand-in refuses what Slack refuses, so a bot that gets it wrong fails its tests.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type FakeSlack, startFakeSlack } from "../../stand-ins/fake-slack.ts";
import { type FakeSocketMode, startFakeSocketMode } from "../../stand-ins/fake-socket-mode.ts";

let slack: FakeSlack;
let socket: FakeSocketMode;
const clients: WebSocket[] = [];
beforeEach(async () => {
  slack = await startFakeSlack();
  socket = await startFakeSocketMode(slack, { ackTimeoutMs: 200, holdMs: 200 });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await socket.close();
  await slack.close();
});

async function open(token: string | null, method = "POST"): Promise<Record<string, unknown>> {
  const res = await fetch(`${slack.apiUrl}apps.connections.open`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return (await res.json()) as Record<string, unknown>;
}

/** Connects like the SDK does and resolves with the client and the frames it receives. */
async function connect(url: string): Promise<{ ws: WebSocket; frames: Record<string, unknown>[] }> {
  const ws = new WebSocket(url);
  clients.push(ws);
  ws.on("error", () => {}); // a refused upgrade, or terminate() before it opened
  const frames: Record<string, unknown>[] = [];
  ws.on("message", (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  await socket.waitFor(() => frames.length > 0, 5_000, "hello");
  return { ws, frames };
}

describe("the fake apps.connections.open", () => {
  it("wants a POST with the app-level token in the Authorization header", async () => {
    expect(await open(null)).toEqual({ ok: false, error: "not_authed" });
    expect(await open(slack.token)).toEqual({ ok: false, error: "not_allowed_token_type" });
    expect(await open("xapp-1-A0CCC-0-someoneelse")).toEqual({ ok: false, error: "invalid_auth" });
    expect((await open(socket.appToken, "GET")).ok).toBe(false);
    expect(await open(socket.appToken)).toMatchObject({ ok: true, url: expect.stringMatching(/^ws:\/\//) });
    socket.revoke();
    expect(await open(socket.appToken)).toEqual({ ok: false, error: "invalid_auth" });
  });

  it("fails N times in an outage, then answers again", async () => {
    socket.outage({ error: "internal_error" }, 2);
    expect(await open(socket.appToken)).toEqual({ ok: false, error: "internal_error" });
    expect(await open(socket.appToken)).toEqual({ ok: false, error: "internal_error" });
    expect((await open(socket.appToken)).ok).toBe(true);
    socket.outage("http_503");
    const res = await fetch(`${slack.apiUrl}apps.connections.open`, {
      method: "POST",
      headers: { authorization: `Bearer ${socket.appToken}` },
    });
    expect(res.status).toBe(503);
  });
});

describe("the fake Socket Mode connection", () => {
  it("greets with hello, and each URL's ticket works once", async () => {
    const { url } = (await open(socket.appToken)) as { url: string };
    const { frames } = await connect(url);
    expect(frames[0]).toMatchObject({
      type: "hello",
      num_connections: 1,
      debug_info: { host: expect.any(String), approximate_connection_time: expect.any(Number) },
      connection_info: { app_id: socket.appId },
    });
    await expect(connect(url)).rejects.toThrow("HTTP 401");
    expect(socket.problems()).toEqual([expect.stringContaining("unknown or used ticket")]);
  });

  it("records every ack that Slack would not take", async () => {
    const { url } = (await open(socket.appToken)) as { url: string };
    const { ws, frames } = await connect(url);
    const next = async () => {
      const count = frames.length;
      await socket.waitFor(() => frames.length > count, 5_000, "an envelope");
      return frames.at(-1) as { envelope_id: string };
    };

    const button = socket.deliver("interactive", { type: "block_actions" });
    const first = await next();
    expect(first).toMatchObject({ type: "interactive", accepts_response_payload: false });
    ws.send(JSON.stringify({ envelope_id: first.envelope_id, payload: { text: "not allowed here" } }));
    await button;
    ws.send(JSON.stringify({ envelope_id: first.envelope_id, payload: {} }));
    ws.send("not json");
    ws.send(JSON.stringify({ envelope_id: "x", type: "ack" }));

    const late = socket.deliver("slash_commands", { command: "/ccc" }).catch((e: Error) => e.message);
    const unanswered = await next();
    expect(await late).toContain("within 200 ms");
    ws.send(JSON.stringify({ envelope_id: unanswered.envelope_id, payload: {} }));
    await socket.waitFor(() => socket.problems().length >= 6, 5_000, "six problems");
    expect(socket.problems()).toEqual([
      expect.stringContaining("carries a payload Slack does not accept"),
      expect.stringContaining("unknown or already acked"),
      expect.stringContaining("not JSON"),
      expect.stringContaining("not an ack"),
      expect.stringContaining("not acked within 200 ms"),
      expect.stringContaining("after Slack's deadline"),
    ]);
  });

  it("holds an envelope while no connection is up, and gives it up after a while", async () => {
    const held = socket.deliver("events_api", { type: "event_callback" });
    const { url } = (await open(socket.appToken)) as { url: string };
    const { ws, frames } = await connect(url);
    await socket.waitFor(() => frames.length === 2, 5_000, "the held envelope");
    const envelope = frames[1] as { envelope_id: string; retry_attempt: number };
    expect(envelope.retry_attempt).toBe(0);
    ws.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: {} }));
    expect((await held).payload).toEqual({});

    socket.cut("abrupt");
    const lost = await socket
      .deliver("events_api", { type: "event_callback" })
      .catch((e: Error) => e.message);
    expect(lost).toContain("no connection within 200 ms");
  });
});
