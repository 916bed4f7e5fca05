// Benchmark for the ledger (issue 11): a year of history for 200 people (100,000 machines, 1,000,000
// events) in a real SQLite file, the ledger derived from the events by the production code; then the
// time of `usage --month` (goal < 300 ms) and of the budget check a provision makes (goal < 5 ms),
// as medians. `npm run bench:usage`.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { systemClock } from "../src/adapters/system-clock.ts";
import { usageCommand } from "../src/commands/usage.ts";
import { composeCore } from "../src/compose.ts";
import { parseConfig } from "../src/config.ts";
import { checkBudget } from "../src/core/budget/check-budget.ts";
import type { Clock } from "../src/core/ports/clock.ts";
import type { Notifier } from "../src/core/ports/notifier.ts";
import { LedgerTable } from "../src/core/store/ledger-table.ts";
import { migrate } from "../src/core/store/migrations.ts";
import { sized } from "./bench-settings.ts";

// BENCH_QUICK=1: 5,000 machines and fewer timed runs; the same queries.
const PEOPLE = 200;
const MACHINES = sized(100_000, 5_000);
const RUNS = sized({ usage: 25, budget: 500 }, { usage: 3, budget: 20 });
const EVENTS_PER_MACHINE = 10;
const LIVE = 300;
const HOUR = 3_600_000;
const NOW = Date.parse("2026-11-25T12:00:00Z");
const YEAR = 365 * 24 * HOUR;
const GOALS = { usageMs: 300, budgetMs: 5 };
const okNotifier: Notifier = { notify: async () => "sent" };

const TYPES = [
  { name: "cx23", hourly: "0.0048741096000000", monthly: "3.5581000000000000" },
  { name: "cax11", hourly: "0.0062000000000000", monthly: "4.5100000000000000" },
  { name: "cpx31", hourly: "0.0235000000000000", monthly: "17.1100000000000000" },
];
const LOCATIONS = ["fsn1", "nbg1", "hel1"];

/** A small deterministic generator, so every run builds the same history. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Wall time and this process's CPU time per run: on a busy machine the wall time waits for a core. */
async function timeIt(
  runs: number,
  body: () => unknown,
): Promise<{ median: number; max: number; cpu: number }> {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    await body();
    const used = process.cpuUsage(startCpu);
    times.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  return { median: median(times), max: Math.max(...times), cpu: median(cpu) };
}

function figures(t: { median: number; max: number; cpu: number }, digits: number): string {
  return `median ${t.median.toFixed(digits)} ms (CPU ${t.cpu.toFixed(digits)} ms), max ${t.max.toFixed(digits)} ms`;
}

/**
 * Instances and ten events each over the past year, written as the store writes them: every event
 * goes through the ledger's `follow` in the same transaction, so the ledger is derived, not seeded.
 */
function seed(path: string): void {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  migrate(db);
  const ledger = new LedgerTable(db);
  const next = random(11);
  const instance = db.prepare(
    `INSERT INTO instances (id, owner, owner_email, ssh_keys, ssh_key_fingerprint, server_type, location,
       hetzner_server_id, status, created_at, ready_at, expires_at, deleted_at)
     VALUES (?, ?, NULL, '[]', 'SHA256:x', ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const event = db.prepare(
    "INSERT INTO events (instance_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, NULL)",
  );
  const record = (id: string, at: number, actor: string, kind: string) => {
    event.run(id, at, actor, kind);
    ledger.follow(id, kind, at);
  };
  db.transaction(() => {
    for (let i = 0; i < MACHINES; i++) {
      const id = `ccc-${i.toString(36).padStart(6, "0")}`;
      const owner = `U${String(i % PEOPLE).padStart(8, "0")}`;
      const type = TYPES[i % TYPES.length] as (typeof TYPES)[number];
      const location = LOCATIONS[Math.floor(i / TYPES.length) % LOCATIONS.length] as string;
      const live = i >= MACHINES - LIVE;
      const created = live
        ? NOW - Math.floor(next() * 3 * HOUR)
        : NOW - YEAR + Math.floor((i / MACHINES) * YEAR);
      const lifetime = Math.floor((0.5 + next() * 7.5) * HOUR);
      const end = created + lifetime;
      const failed = !live && i % 50 === 0;
      instance.run(
        id,
        owner,
        type.name,
        location,
        failed ? null : 1_000_000 + i,
        live ? "ready" : failed ? "failed" : "deleted",
        created,
        created + 300_000,
        live ? NOW + HOUR + Math.floor(next() * 6 * HOUR) : end,
        live || failed ? null : end,
      );
      ledger.open({ instanceId: id, owner, serverType: type.name, location, price: type });
      record(id, created, owner, "requested");
      if (failed) {
        for (let k = 0; k < EVENTS_PER_MACHINE - 2; k++) record(id, created + k + 1, "ccc", "reminder");
        record(id, created + 60_000, "ccc", "failed");
        continue;
      }
      record(id, created + 20_000, "ccc", "server_created");
      record(id, created + 240_000, "ccc", "installing");
      record(id, created + 300_000, "ccc", "ready");
      record(id, created + 600_000, owner, "extended");
      record(id, created + 700_000, owner, "shared");
      record(id, created + 800_000, "ccc", "reminder");
      if (live) {
        for (const k of [1, 2, 3]) record(id, created + 900_000 + k, "ccc", "reminder");
        continue;
      }
      record(id, end - 60_000, "ccc", "reminder");
      record(id, end - 1, "ccc", "deleting");
      record(id, end, "ccc", "deleted");
    }
  })();
  db.close();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ccc-bench-usage-"));
  try {
    const path = join(dir, "ccc.db");
    const start = performance.now();
    seed(path);
    const seedMs = performance.now() - start;
    const clock: Clock = { now: () => new Date(NOW), sleep: systemClock.sleep };
    const config = parseConfig({
      CCC_DB_PATH: path,
      CCC_USER_MONTHLY_BUDGET_EUR: "100000",
      CCC_TEAM_MONTHLY_BUDGET_EUR: "1000000",
    });
    const deps = { ...composeCore(config, { clock }), notifier: okNotifier };
    const counts = (sql: string) => count(path, sql);
    console.log(
      `load average: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} on ${cpus().length} cores`,
    );
    console.log(
      `history: ${PEOPLE} people, ${counts("SELECT count(*) FROM instances").toLocaleString("en")} machines, ` +
        `${counts("SELECT count(*) FROM events").toLocaleString("en")} events, ` +
        `${counts("SELECT count(*) FROM ledger_months").toLocaleString("en")} machine-months; seeded in ${(seedMs / 1000).toFixed(1)} s`,
    );
    const admin = { deps, actor: { id: "opal", isAdmin: true } };
    const viewer = { now: new Date(NOW), actor: admin.actor };
    for (const [label, raw] of [
      ["usage (this month, by user)", { all: true }],
      ["usage --month 2026-06 (by user)", { all: true, month: "2026-06" }],
      ["usage --month 2026-06 --by day --csv", { all: true, month: "2026-06", by: "day", csv: true }],
    ] as const) {
      let rows = 0;
      const timing = await timeIt(RUNS.usage, async () => {
        const shown = await usageCommand.execute(admin, raw);
        rows = shown.text(viewer).split("\n").length;
      });
      console.log(`${label}: ${figures(timing, 1)}, ${rows} lines (goal < ${GOALS.usageMs} ms)`);
    }
    const owner = "U00000007";
    const price = TYPES[0] as (typeof TYPES)[number];
    const budget = await timeIt(RUNS.budget, () =>
      checkBudget(deps, owner, { kind: "provision", price, hours: 4 }),
    );
    console.log(
      `budget check at provision (person and team budgets): ${figures(budget, 3)} (goal < ${GOALS.budgetMs} ms)`,
    );
    // BENCH_PARTS=1 also times the ledger queries the budget check is made of.
    if (process.env.BENCH_PARTS) {
      const month = "2026-11";
      for (const [label, body] of [
        ["closedTotal team", () => deps.store.ledger.closedTotal(month)],
        ["closedTotal person", () => deps.store.ledger.closedTotal(month, owner)],
        ["openEntries team", () => deps.store.ledger.openEntries()],
        ["openEntries person", () => deps.store.ledger.openEntries(owner)],
      ] as const) {
        console.log(`  ${label}: ${figures(await timeIt(500, body), 3)}`);
      }
    }
    deps.store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function count(path: string, sql: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
}

await main();
