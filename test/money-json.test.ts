// Money has one JSON shape everywhere (issue 18, item 9; docs/api.md): every money field of every JSON
// output — the CLI's `--json` of each verb that carries money, and the API's documented answers — is
// { "amount": "<decimal>", "currency": "EUR" }, 6 places for a price per hour, 2 for anything else.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ENDPOINTS } from "../src/api/endpoints.ts";
import { openApiDocument } from "../src/api/openapi.ts";
import { COMMANDS } from "../src/commands/index.ts";
import { volumesCommand } from "../src/commands/volumes.ts";
import { startHarness } from "./helpers/harness.ts";
import { isMoneyName, moneyProblems, schemaMoneyProblems } from "./helpers/money-shape.ts";
import { runCcc } from "./helpers/run-ccc.ts";
import { startWorld, type World } from "./lifecycle/world.ts";
import { startPoolWorld } from "./pool/pool-world.ts";
import { ADMIN, ALICE, savedMachine } from "./snapshots/saved-world.ts";
import { machineWithVolume } from "./volumes/world.ts";

/** Verbs whose JSON carries money: each is run below and walked. */
// `deprovision` adds the machine's `cost` (test/usage/spend-notices.test.ts, walked there).
// `save` answers with the snapshot as `snapshot` does (one renderer), so the snapshot walk covers it.
const MONEY_VERBS = [
  "deprovision",
  "usage",
  "types",
  "snapshots",
  "volumes",
  "budget",
  "pool",
  "billing",
  "save",
  "snapshot",
  // A task's `cost` (Claude Code's, in euros; one renderer for both): test/commands/tasks.test.ts walks it.
  "task",
  "tasks",
];
/** Verbs whose JSON carries none (machines, keys, tokens, events, counts). A new verb must be put in one list. */
const NO_MONEY_VERBS = [
  "channel",
  "provision",
  "again",
  "list",
  "status",
  "extend",
  "share",
  "unshare",
  "key",
  "restore",
  "hibernate",
  "wake",
  "keep-awake",
  "web",
  "token",
  "secret",
  "prefs",
  "volume",
  "events",
  "check-expired",
  "remind",
  "reconcile",
  "init",
  "migrate",
  "backup",
];

/** How many money fields a JSON value holds (so a walk that finds none is caught). */
function moneyFields(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + moneyFields(v), 0);
  if (typeof value !== "object" || value === null) return 0;
  return Object.entries(value).reduce(
    (n, [key, v]) => n + (isMoneyName(key) && v !== null ? 1 : moneyFields(v)),
    0,
  );
}

describe("the money walker", () => {
  it("flags the old shapes and a wrong scale, and passes the one shape", () => {
    expect(moneyProblems({ monthlyCents: 52 })).toHaveLength(1);
    expect(moneyProblems({ rows: [{ eur: "3.20" }] })).toHaveLength(1);
    expect(moneyProblems({ monthlyEuro: 0.04 })).toHaveLength(1);
    expect(moneyProblems({ total: { amount: "3.2", currency: "EUR" } })).toHaveLength(1);
    expect(moneyProblems({ priceHourly: { amount: "0.0071", currency: "EUR" } })).toHaveLength(1);
    expect(moneyProblems({ spent: { amount: "3.20", currency: "USD" } })).toHaveLength(1);
    expect(moneyProblems({ team: { limit: { amount: "1.00", currency: "EUR", cents: 100 } } })).toHaveLength(
      1,
    );
    expect(moneyProblems({ x: { amount: 3.2, currency: "EUR" } })).toHaveLength(1);
    expect(
      moneyProblems({
        total: { amount: "3.20", currency: "EUR" },
        priceHourly: { amount: "0.007140", currency: "EUR" },
        left: null,
        hours: 4,
      }),
    ).toEqual([]);
  });
});

describe("the API's documented answers", () => {
  const doc = openApiDocument(ENDPOINTS) as {
    paths: Record<string, Record<string, { responses: Record<string, Record<string, unknown>> }>>;
  };
  const answers = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).flatMap(([method, op]) =>
      Object.entries(op.responses)
        .filter(([status]) => status.startsWith("2"))
        .map(([status, r]) => {
          const json = (r.content as Record<string, { schema: object; example: unknown }> | undefined)?.[
            "application/json"
          ];
          return {
            where: `${method.toUpperCase()} ${path} ${status}`,
            schema: json?.schema,
            example: json?.example,
          };
        }),
    ),
  );

  it("give every money field the one shape, in the schema and in the example", () => {
    const problems = answers.flatMap(({ where, schema, example }) => [
      ...schemaMoneyProblems(schema).map((p) => `${where} schema ${p}`),
      ...moneyProblems(example).map((p) => `${where} example ${p}`),
    ]);
    expect(problems).toEqual([]);
    // The walk does see money: usage, budget, types, snapshots and volumes document some.
    const documented = answers.reduce((n, a) => n + moneyFields(a.example), 0);
    expect(documented).toBeGreaterThanOrEqual(12);
  });

  it("would fail a money field in another shape", () => {
    const bad = {
      type: "object",
      properties: {
        rows: { type: "array", items: { type: "object", properties: { eur: { type: "string" } } } },
      },
    };
    expect(schemaMoneyProblems(bad)).toHaveLength(1);
  });
});

describe("every verb's --json", () => {
  it("sorts every verb into money or not, so a new verb is walked or says it carries none", () => {
    const names = COMMANDS.map((c) => c.name).sort();
    expect([...MONEY_VERBS, ...NO_MONEY_VERBS].sort()).toEqual(names);
  });

  let w: World;
  beforeEach(async () => {
    w = await startWorld();
  });
  afterEach(async () => {
    await w.close();
  });

  it("gives money in the one shape: usage, types, snapshots, budget, billing, snapshot", async () => {
    const snapshotId = await savedMachine(w, ALICE.id);
    w.clock.set(new Date(w.clock.now().getTime() + 3 * 3_600_000));
    w.deps.policy.budgets = { userMonthlyEur: "10", teamMonthlyEur: "100" };
    const ctx = { deps: w.deps, actor: ALICE };
    const admin = { deps: w.deps, actor: ADMIN };
    const find = (name: string) => {
      const verb = COMMANDS.find((c) => c.name === name);
      if (!verb) throw new Error(`no verb ${name}`);
      return verb;
    };
    const outputs: Record<string, unknown> = {
      usage: (await find("usage").execute(ctx, {})).json(),
      usageByType: (await find("usage").execute(admin, { all: true, by: "type" })).json(),
      types: (await find("types").execute(ctx, { location: "fsn1" })).json(),
      snapshots: (await find("snapshots").execute(ctx, {})).json(),
      budget: (await find("budget").execute(ctx, {})).json(),
      billing: (await find("billing").execute(admin, { action: "status" })).json(),
      snapshot: (await find("snapshot").execute(ctx, { action: "keep", id: snapshotId })).json(),
    };
    for (const [verb, json] of Object.entries(outputs)) {
      expect({ verb, problems: moneyProblems(json) }).toEqual({ verb, problems: [] });
    }
    // Each walked output does hold money (a null everywhere would pass the walk vacuously).
    const counts = Object.fromEntries(
      Object.entries(outputs).map(([verb, json]) => [verb, moneyFields(json)]),
    );
    for (const verb of ["usage", "usageByType", "types", "snapshots", "budget", "billing"]) {
      expect({ verb, fields: (counts[verb] ?? 0) > 0 }).toEqual({ verb, fields: true });
    }
  });

  it("gives volumes' prices in the one shape", async () => {
    const h = await startHarness();
    try {
      await machineWithVolume(h.deps, "alice");
      const json = (
        await volumesCommand.execute({ deps: h.deps, actor: { id: "alice", isAdmin: false } }, {})
      ).json();
      expect(moneyProblems(json)).toEqual([]);
      expect(moneyFields(json)).toBe(1);
    } finally {
      await h.close();
    }
  });

  it("gives the pool's prices in the one shape, through the CLI", async () => {
    const pool = await startPoolWorld({ CCC_POOL: "cx23@fsn1=2" });
    try {
      const shown = await runCcc(pool.h, ["pool", "--json"]);
      expect(shown.code).toBe(0);
      const json = JSON.parse(shown.stdout);
      expect(moneyProblems(json)).toEqual([]);
      expect(json.monthlyWhenFull).toMatchObject({ currency: "EUR" });
    } finally {
      await pool.close();
    }
  });
});
