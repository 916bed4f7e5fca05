// How fast does GET /api/v1/instances answer in a big store? Fills the store with 100,000 instance
// rows (mostly deleted ones, as a long-running ccc accumulates; a few hundred live) of which the
// benchmark's person owns 5 live machines, runs the real bot in its own process (as in production;
// lifecycle jobs off, so only the API is measured), and has 50 concurrent keep-alive clients send
// N requests with that person's token, timing each until its whole answer. Goal: p99 < 20 ms.
//
//   npm run bench:api                  # N = 5000 per run, concurrency 50, 5 runs
//   npm run bench:api -- 10000 50 3
//   BENCH_PROF=<dir> npm run bench:api   # also writes a CPU profile of the bot to <dir>
import { spawn } from "node:child_process";
import { subscribe } from "node:diagnostics_channel";
import { Agent, request } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { startBot } from "../src/bot.ts";
import { createToken } from "../src/core/identity/api-tokens.ts";
import type { Logger } from "../src/core/ports/logger.ts";
import { startFakeSlack } from "../stand-ins/fake-slack.ts";
import { FAST_HETZNER, FAST_TIMING, startHarness } from "../test/helpers/harness.ts";
import { makeKeyPair } from "../test/helpers/keys.ts";
import { QUICK, sized } from "./bench-settings.ts";

interface BotStats {
  p99: number;
  max: number;
  serverP50: number;
  serverP99: number;
  cpuMsPerRequest: number;
}

const quiet: Logger = { info() {}, warn() {}, error: (m, f) => console.error(m, f) };
// BENCH_QUICK=1: 5,000 rows, 200 requests at concurrency 10 in one run, a short warm-up.
const ROWS = sized(100_000, 5_000);
const WARM_UP = sized(500, 20);
const PERSON = "U0BENCHME";

if (process.argv[2] === "--bot") {
  const running = await startBot(process.env, {
    host: "127.0.0.1",
    log: quiet,
    lifecycle: false,
    compose: { hetzner: FAST_HETZNER, timing: FAST_TIMING },
  });
  console.log(`PORT ${running.port}`);
  // Inside the bot: each request's time from its arrival to its answer's end, and the CPU it used.
  // On a shared machine these tell the bot's own cost from time spent waiting for a core.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const arrived = new WeakMap<object, number>();
  let served: number[] = [];
  subscribe("http.server.request.start", (m) =>
    arrived.set((m as { response: object }).response, performance.now()),
  );
  subscribe("http.server.response.finish", (m) => {
    const started = arrived.get((m as { response: object }).response);
    if (started !== undefined) served.push(performance.now() - started);
  });
  let cpu = process.cpuUsage();
  process.on("message", () => {
    const used = process.cpuUsage(cpu);
    served.sort((a, b) => a - b);
    const at = (q: number) =>
      served[Math.min(served.length - 1, Math.floor(q * served.length))] ?? Number.NaN;
    process.send?.({
      p99: loop.percentile(99) / 1e6,
      max: loop.max / 1e6,
      serverP50: at(0.5),
      serverP99: at(0.99),
      cpuMsPerRequest: (used.user + used.system) / 1000 / Math.max(1, served.length),
    });
    served = [];
    cpu = process.cpuUsage();
    loop.reset();
  });
  process.once("SIGTERM", () => void running.stop().then(() => process.exit(0)));
} else {
  const [total = QUICK ? "200" : "5000", concurrency = QUICK ? "10" : "50", runs = QUICK ? "1" : "5"] =
    process.argv.slice(2);
  await bench(Number(total), Number(concurrency), Number(runs));
}

/** 100,000 rows in one transaction, straight into the file (the store adds one at a time, with its audit trail). */
function fill(path: string): void {
  const db = new Database(path);
  const key = makeKeyPair().publicKey;
  const insert = db.prepare(
    `INSERT INTO instances (id, owner, ssh_keys, ssh_key_fingerprint, server_type, location, hetzner_server_id,
       ipv4, status, created_at, ready_at, expires_at, deleted_at)
     VALUES (?, ?, ?, 'SHA256:bench', 'cx23', 'fsn1', ?, ?, ?, ?, ?, ?, ?)`,
  );
  const now = Date.now();
  db.transaction(() => {
    for (let n = 0; n < ROWS; n++) {
      const mine = n < 5;
      const live = mine || n % 300 === 0;
      const created = now - (ROWS - n) * 60_000;
      insert.run(
        `ccc-${n.toString(36).padStart(6, "0")}`,
        mine ? PERSON : `U0USER${n % 2000}`,
        JSON.stringify([key]),
        n + 1,
        `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
        live ? "ready" : "deleted",
        created,
        created + 300_000,
        live ? now + 3_600_000 : created + 3_600_000,
        live ? null : created + 3_600_000,
      );
    }
  })();
  db.close();
}

async function bench(total: number, concurrency: number, runs: number): Promise<void> {
  const h = await startHarness();
  const slack = await startFakeSlack();
  h.deps.store.close();
  const filling = performance.now();
  fill(h.env.CCC_DB_PATH ?? "");
  console.log(
    `store: ${ROWS} instance rows written in ${((performance.now() - filling) / 1000).toFixed(1)} s`,
  );
  const deps = h.compose();
  const { secret } = createToken(
    deps,
    { id: "opal", isAdmin: true },
    { user: PERSON, name: "bench", admin: false },
  );
  deps.store.close();

  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []),
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "--bot",
    ],
    {
      env: {
        ...process.env,
        ...h.env,
        SLACK_BOT_TOKEN: slack.token,
        SLACK_SIGNING_SECRET: "bench",
        SLACK_API_URL: slack.apiUrl,
        PORT: "0",
        // The benchmark is one person's script hammering the API: the per-token limit would stop it.
        CCC_API_RATE_PER_MINUTE: "100000000",
      },
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the bot exited with ${code}`)));
    createInterface({ input: child.stdout as Readable }).on("line", (line) => {
      const match = /^PORT (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
  });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const get = () =>
    new Promise<{ status: number; ms: number; count: number }>((resolve, reject) => {
      const started = performance.now();
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/api/v1/instances",
          agent,
          headers: { authorization: `Bearer ${secret}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const ms = performance.now() - started;
            const body = JSON.parse(Buffer.concat(chunks).toString()) as unknown[];
            resolve({ status: res.statusCode ?? 0, ms, count: Array.isArray(body) ? body.length : -1 });
          });
        },
      );
      req.on("error", reject);
      req.end();
    });
  const loopDelay = () =>
    new Promise<BotStats>((resolve) => {
      child.once("message", (m) => resolve(m as BotStats));
      child.send("stats");
    });

  try {
    const first = await get();
    if (first.status !== 200 || first.count !== 5)
      throw new Error(`unexpected answer: ${JSON.stringify(first)}`);
    // Warm: a running bot has long since compiled its hot paths.
    for (let n = 0; n < WARM_UP; n++) await get();
    const p99s: number[] = [];
    const p50s: number[] = [];
    for (let r = 1; r <= runs; r++) {
      await loopDelay();
      const times: number[] = [];
      let failures = 0;
      let next = 0;
      const started = performance.now();
      const worker = async () => {
        while (next < total) {
          next++;
          const answer = await get();
          if (answer.status === 200 && answer.count === 5) times.push(answer.ms);
          else failures++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const seconds = (performance.now() - started) / 1000;
      const loop = await loopDelay();
      times.sort((a, b) => a - b);
      const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN;
      p50s.push(at(0.5));
      p99s.push(at(0.99));
      console.log(
        `run ${r}: ${times.length} answers (${failures} failed) in ${seconds.toFixed(1)} s (${(times.length / seconds).toFixed(0)}/s): ` +
          `p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${at(1).toFixed(1)} ms; ` +
          `inside the bot: p50 ${loop.serverP50.toFixed(1)} ms, p99 ${loop.serverP99.toFixed(1)} ms, ` +
          `${loop.cpuMsPerRequest.toFixed(2)} ms CPU per request, event loop delay p99 ${loop.p99.toFixed(1)} ms`,
      );
    }
    const median = (list: number[]) =>
      [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
    console.log(
      `over ${runs} runs at concurrency ${concurrency}: median p50 ${median(p50s).toFixed(1)} ms, median p99 ${median(p99s).toFixed(1)} ms, ` +
        `worst p99 ${Math.max(...p99s).toFixed(1)} ms (goal: p99 < 20 ms)`,
    );
  } finally {
    agent.destroy();
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await slack.close();
    await h.close();
  }
}
