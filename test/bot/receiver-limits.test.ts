// Finding 1 of the attack review, one limit at a time: what a client that sends too much, too
// slowly or too often gets, before any signature is looked at.
import { once } from "node:events";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { BotOptions } from "../../src/bot.ts";
import { type BotHarness, startBotHarness } from "./bot-harness.ts";

let b: BotHarness | undefined;
afterEach(async () => {
  await b?.close();
  b = undefined;
});

async function bot(http: BotOptions["http"] = {}): Promise<BotHarness> {
  b = await startBotHarness({ bot: { http } });
  return b;
}

/** A raw connection that records what the bot sends back and resolves `closed` when it hangs up. */
function rawConnection(port: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, "127.0.0.1");
  let data = "";
  socket.on("data", (chunk) => {
    data += chunk.toString("latin1");
  });
  socket.on("error", () => {});
  // "close" comes after an "error" too (a reset while still sending); `once` would reject on the error.
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { socket, received: () => data, closed };
}

const HEAD =
  "POST /slack/events HTTP/1.1\r\nHost: ccc\r\nContent-Type: application/x-www-form-urlencoded\r\n";

describe("the body limit", () => {
  it("answers 413 to a declared body over the limit before a byte of it is sent", async () => {
    const { running } = await bot();
    const req = request({
      host: "127.0.0.1",
      port: running.port,
      method: "POST",
      path: "/slack/events",
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": 1024 * 1024 },
    });
    req.on("error", () => {});
    req.flushHeaders(); // headers only: the bot must answer without waiting for the body
    const [res] = (await once(req, "response")) as [import("node:http").IncomingMessage];
    expect(res.statusCode).toBe(413);
    expect(res.headers.connection).toBe("close");
    req.destroy();
  });

  it("answers 413 to a chunked body as soon as it grows past the limit, without waiting for its end", async () => {
    const { running } = await bot();
    const { socket, received, closed } = rawConnection(running.port);
    socket.write(`${HEAD}Transfer-Encoding: chunked\r\n\r\n`);
    const chunk = Buffer.alloc(32 * 1024, "a");
    // 2 MB, and never the final chunk: a body that has not ended.
    for (let n = 0; n < 64; n++) {
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      socket.write("\r\n");
    }
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 413 /);
  });
});

describe("slow clients", () => {
  it("closes a connection whose headers do not arrive in time (slow loris)", async () => {
    const { running } = await bot({ headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 50 });
    const { socket, received, closed } = rawConnection(running.port);
    socket.write("POST /slack/events HTTP/1.1\r\nHost: ccc\r\nX-Slow: ");
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("closes a connection whose body does not arrive in time", async () => {
    const { running } = await bot({ headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 50 });
    const { socket, received, closed } = rawConnection(running.port);
    socket.write(`${HEAD}Content-Length: 100\r\n\r\npayload=`);
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe("the connection cap", () => {
  it("closes connections past the cap at once, and answers again when they are gone", async () => {
    const { running } = await bot({ maxConnections: 4 });
    // Four kept-alive connections, each known to the bot because it has answered on it.
    const held = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const c = rawConnection(running.port);
        c.socket.write("GET /healthz HTTP/1.1\r\nHost: ccc\r\n\r\n");
        while (!c.received().includes("reachable")) await once(c.socket, "data");
        return c;
      }),
    );
    const extra = rawConnection(running.port);
    extra.socket.write("GET /healthz HTTP/1.1\r\nHost: ccc\r\n\r\n");
    await extra.closed;
    expect(extra.received()).toBe("");

    for (const c of held) c.socket.destroy();
    await Promise.all(held.map((c) => c.closed));
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = await fetch(`http://127.0.0.1:${running.port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
    }
    expect(status).toBe(200);
  });
});

describe("the route table", () => {
  it("answers 404 for an unknown path and 405 for a known one with another method", async () => {
    const { running } = await bot();
    const base = `http://127.0.0.1:${running.port}`;
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const wrong = await fetch(`${base}/healthz`, { method: "POST" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
    expect((await fetch(`${base}/slack/events`)).status).toBe(405);
  });
});
