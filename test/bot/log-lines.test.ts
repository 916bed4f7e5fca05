// The bot's JSON log as an operator reads it (journalctl): a start line with the version and the
// database, a stop line, and CCC_LOG_LEVEL deciding what is written. Runs the compiled bot.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/config.ts";
import { HEALTH_PATH } from "../../src/http/health.ts";
import { type FakeSlack, startFakeSlack } from "../../stand-ins/fake-slack.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { botEnv } from "./bot-harness.ts";

let h: Harness;
let slack: FakeSlack;
beforeEach(async () => {
  h = await startHarness();
  slack = await startFakeSlack();
});
afterEach(async () => {
  await slack.close();
  await h.close();
});

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string })
  .version;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** Starts bin/ccc-bot.js, waits until it answers its health check, stops it; answers its log lines. */
async function runBot(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(PROJECT_ROOT, "bin/ccc-bot.js")], {
    env: { ...process.env, ...botEnv(h, slack), SLACK_SIGNING_SECRET: "s3cret", PORT: String(port), ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const lines: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (l) => lines.push(l));
  const exited = once(child, "exit");
  let up = false;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 20_000;
  while (!gone && !up && Date.now() < deadline) {
    up = await fetch(`http://127.0.0.1:${port}${HEALTH_PATH}`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (!up) await new Promise((r) => setTimeout(r, 100));
  }
  if (!gone) child.kill("SIGTERM");
  const [code] = await exited;
  return { code: code as number | null, lines };
}

const parsed = (lines: string[]) => lines.flatMap((l) => (l.startsWith("{") ? [JSON.parse(l)] : []));

describe("the bot's log", () => {
  it("says when it started (version, database) and when it stopped", async () => {
    const { code, lines } = await runBot({});
    expect(code).toBe(0);
    const entries = parsed(lines);
    expect(entries.find((e) => e.message === "ccc bot started")).toMatchObject({
      level: "info",
      version: VERSION,
      database: h.env.CCC_DB_PATH,
    });
    expect(entries.at(-1)).toMatchObject({ level: "info", message: "ccc bot stopped", version: VERSION });
  });

  it("writes only warnings and errors with CCC_LOG_LEVEL=warn, and refuses a level it does not know", async () => {
    const quiet = await runBot({ CCC_LOG_LEVEL: "warn" });
    expect(quiet.code).toBe(0);
    expect(parsed(quiet.lines).filter((e) => e.level === "info" || e.level === "debug")).toEqual([]);

    const bad = await runBot({ CCC_LOG_LEVEL: "loud" });
    expect(bad.code).toBe(2);
    expect(bad.lines.join("\n")).toMatch(/CCC_LOG_LEVEL.*debug, info, warn or error/);
  });
});
