// The dashboard's first page load (issue 13): the server time of `GET /` for a signed-in person with
// 5 live machines, in a store of 100,000 instance rows (50 live, 2,000 owners, a year of history),
// against the real bot's HTTP server on 127.0.0.1 (fake Slack and Hetzner, catalog warm as after
// start-up). Timed at the client over loopback, one request at a time, so it is the server's time
// plus a little. Goal: median < 50 ms. `npm run bench:web [-- <requests>]`.
import Database from "better-sqlite3";
import { startBot } from "../src/bot.ts";
import { startSession } from "../src/core/identity/sign-in.ts";
import type { Logger } from "../src/core/ports/logger.ts";
import { startFakeSlack } from "../stand-ins/fake-slack.ts";
import { FAST_HETZNER, FAST_TIMING, startHarness } from "../test/helpers/harness.ts";
import { makeKeyPair } from "../test/helpers/keys.ts";
import { sized } from "./bench-settings.ts";

// BENCH_QUICK=1: 5,000 rows and 10 loads each; the same page.
const ROWS = sized(100_000, 5_000);
const OWNERS = 2_000;
const ME = "U0BENCH";
const ADMIN = "U0ADMIN";
const GOAL_MS = 50;
const MINUTE = 60_000;
const quiet: Logger = { info() {}, warn() {}, error: (m, f) => console.error(m, f) };

const requests = Number(process.argv[2] ?? sized("300", "10"));
const h = await startHarness();
const slack = await startFakeSlack();
const running = await startBot(
  {
    ...h.env,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
    SLACK_SIGNING_SECRET: "bench",
    CCC_ADMINS: ADMIN,
    CCC_PUBLIC_URL: "http://ccc.bench",
    PORT: "0",
  },
  {
    host: "127.0.0.1",
    log: quiet,
    lifecycle: false,
    compose: { hetzner: FAST_HETZNER, timing: FAST_TIMING },
  },
);

try {
  seed(h.env.CCC_DB_PATH ?? "", Date.now());
  const deps = running.bot.deps;
  const base = `http://127.0.0.1:${running.port}/`;
  const mine = startSession(deps, ME).token;
  const admin = startSession(deps, ADMIN).token;
  const load = async (token: string) => {
    const start = performance.now();
    const res = await fetch(base, { headers: { cookie: `ccc_session=${token}` } });
    const body = await res.text();
    const ms = performance.now() - start;
    if (res.status !== 200 || !body.includes("Your machines"))
      throw new Error(`GET / answered ${res.status}`);
    return { ms, body };
  };
  const first = await load(mine);
  const shown = (first.body.match(/class="card machine"/g) ?? []).length;
  if (shown !== 5) throw new Error(`the page shows ${shown} machines, not 5`);
  console.log(
    `store: ${ROWS.toLocaleString("en")} instance rows, ${OWNERS} owners; ${ME} has 5 live machines`,
  );
  console.log(
    `first load after start: ${first.ms.toFixed(1)} ms (${(first.body.length / 1024).toFixed(1)} KB)`,
  );
  for (const [who, token] of [
    ["person with 5 machines", mine],
    ["admin (every live machine)", admin],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < requests; i++) times.push((await load(token)).ms);
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN;
    const median = at(0.5);
    console.log(
      `${who}: ${requests} loads, median ${median.toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${at(1).toFixed(1)} ms` +
        ` (goal: median < ${GOAL_MS} ms: ${median < GOAL_MS ? "met" : "NOT met"})`,
    );
  }
} finally {
  await running.stop();
  await slack.close();
  await h.close();
}

/** A year of history: ended machines of 2,000 owners, 50 live ones, 5 of them ours with addresses and host keys. */
function seed(path: string, now: number): void {
  const db = new Database(path);
  db.pragma("busy_timeout = 5000");
  const hostKey = makeKeyPair("host").publicKey.split(" ").slice(0, 2).join(" ");
  const userKey = makeKeyPair("bench@laptop").publicKey;
  const insert = db.prepare(
    `INSERT INTO instances (id, owner, owner_email, ssh_keys, ssh_key_fingerprint, server_type, location,
       hetzner_server_id, ipv4, status, created_at, ready_at, expires_at, deleted_at, host_key)
     VALUES (?, ?, NULL, ?, 'SHA256:x', 'cx23', 'fsn1', ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const event = db.prepare(
    "INSERT INTO events (instance_id, at, actor, kind, detail) VALUES (?, ?, 'ccc', ?, NULL)",
  );
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      const live = i >= ROWS - 50;
      const ours = i >= ROWS - 5;
      const owner = ours ? ME : `U${String(i % OWNERS).padStart(8, "0")}`;
      const id = `ccc-${String(i).padStart(6, "0")}`;
      const created = live ? now - 30 * MINUTE : now - Math.floor(Math.random() * 365 * 24 * 60) * MINUTE;
      const expires = live ? now + (60 + (i % 240)) * MINUTE : created + 4 * 60 * MINUTE;
      insert.run(
        id,
        owner,
        JSON.stringify([userKey]),
        i + 1,
        `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        live ? "ready" : "deleted",
        created,
        created + 5 * MINUTE,
        expires,
        live ? null : expires,
        hostKey,
      );
      event.run(id, created, "requested");
      event.run(id, created + 5 * MINUTE, "ready");
      if (!live) event.run(id, expires, "deleted");
    }
  })();
  db.close();
}
