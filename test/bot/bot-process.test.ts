import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startBot } from "../../src/bot.ts";
import { type FakeSlack, startFakeSlack } from "../../stand-ins/fake-slack.ts";
import { FAST_SOCKET, type FakeSocketMode, startFakeSocketMode } from "../../stand-ins/fake-socket-mode.ts";
import { compileScript } from "../helpers/compile-script.ts";
import { FAST_HETZNER, FAST_TIMING, type Harness, startHarness } from "../helpers/harness.ts";

const BOT_MAIN = fileURLToPath(new URL("../fakes/bot-main.ts", import.meta.url));

let h: Harness;
let slack: FakeSlack;
let socket: FakeSocketMode;
/** The bots this file started: killed after each test, so a failed assertion leaves no process behind. */
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await socket.close();
  await slack.close();
  await h.close();
});

async function startFakes(): Promise<Record<string, string>> {
  h = await startHarness();
  slack = await startFakeSlack();
  socket = await startFakeSocketMode(slack);
  return {
    ...h.env,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_APP_TOKEN: socket.appToken,
    SLACK_API_URL: slack.apiUrl,
    CCC_ADMINS: "U0ADMIN",
  };
}

/** A loopback address no other test listens on (sshd stand-ins take 127.100–199.x.x). */
const BOT_HOST = `127.${210 + Math.floor(Math.random() * 40)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;

/** A port nothing listens on right now at `BOT_HOST`. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, BOT_HOST, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("the bot's process in Socket Mode", () => {
  it("stops at start with Slack's reason when the app token is wrong, and leaves no port open", async () => {
    const env = await startFakes();
    const port = await freePort();
    const error = await startBot(
      { ...env, SLACK_APP_TOKEN: "xapp-1-A0CCC-0-wrongtoken", PORT: String(port) },
      {
        host: BOT_HOST,
        log: { info() {}, warn() {}, error() {} },
        compose: { hetzner: FAST_HETZNER, timing: FAST_TIMING },
        socket: FAST_SOCKET,
      },
    ).catch((e: unknown) => e);
    expect((error as { data?: { error?: string } }).data?.error).toBe("invalid_auth");
    // The health server that was already listening is closed again: nothing answers on its port. (Not
    // checked by listening there ourselves: with the suite's files side by side, another test's
    // outgoing connection may hold that local port number for a moment. The probe leaves from
    // 127.0.0.1, so it can never meet itself: a socket dialling its own address and port connects.)
    const answer = await new Promise<string>((resolve) => {
      const probe = connect({ port, host: BOT_HOST, localAddress: "127.0.0.1" });
      probe.once("connect", () => {
        probe.destroy();
        resolve("connected");
      });
      probe.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(answer).toBe("ECONNREFUSED");
  });

  it("logs why and exits 1 when its app token is revoked, instead of staying up serving nothing", async () => {
    const env = await startFakes();
    const child = spawn(process.execPath, [await compileScript(BOT_MAIN)], {
      env: { ...process.env, ...env, PORT: "0" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    const lines: Record<string, unknown>[] = [];
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const started = new Promise<void>((resolve) => {
      createInterface({ input: child.stderr as Readable }).on("line", (line) => {
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          lines.push({ raw: line });
        }
        if (line.includes('"ccc bot started"')) resolve();
      });
    });
    await Promise.race([started, exited.then((code) => Promise.reject(new Error(`exited ${code}`)))]);
    // `npm start` ran the doctor's checks first, one line each: the project's flake has no lock (a warning).
    // The public URL is checked once the bot listens (it usually points at the bot itself): its line may
    // come at any moment after start, so it is not part of this list.
    const checks = lines
      .filter((l) => l.message === "start check" && l.check !== "public-url")
      .map((l) => [l.check, l.status]);
    expect(checks).toEqual([
      ["settings", "ok"],
      ["hetzner", "ok"],
      ["slack", "ok"],
      ["installer", "ok"],
      ["flake", "warn"],
      ["catalog", "ok"],
      ["database", "ok"],
    ]);

    socket.revoke();
    socket.disconnect("refresh_requested"); // the reconnect meets invalid_auth, which no retry fixes
    expect(await exited).toBe(1);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "error",
        message: "unhandled rejection: exiting so that the supervisor restarts the bot",
        slackError: "invalid_auth",
      }),
    );
    expect(socket.opens().map((o) => o.answer)).toEqual(["url", "invalid_auth"]);
  }, 60_000); // a fresh Node process loads the whole bot: seconds on a busy machine
});
