import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/commands/input.ts";
import { usage, usageBlocks, usageCommand, usageInput } from "../../src/commands/usage.ts";
import { ForbiddenError } from "../../src/core/errors.ts";
import { buildCoreDeps } from "../helpers/core-deps.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { ran } from "../usage/billed.ts";
import { ADMIN, ALICE, BOB, caught, NOW } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

describe("usage", () => {
  it("shows people their own month by default; everyone's and another's are for admins", async () => {
    ran(w, "2026-11-03T10:00:00Z", 60, { owner: ALICE.id });
    ran(w, "2026-11-04T10:00:00Z", 120, { owner: BOB.id });
    w.clock.set(NOW);
    const keys = async (actor: typeof ALICE, raw: unknown) =>
      ((await usageCommand.execute(w.ctx(actor), raw)).json() as { rows: { key: string }[] }).rows.map(
        (r) => r.key,
      );
    expect(await keys(ALICE, {})).toEqual([ALICE.id]);
    expect(await keys(ADMIN, { all: true })).toEqual([BOB.id, ALICE.id]);
    expect(await keys(ADMIN, { user: BOB.id })).toEqual([BOB.id]);
    expect(await caught(() => usageCommand.execute(w.ctx(ALICE), { all: true }))).toBeInstanceOf(
      ForbiddenError,
    );
    // Last month had nothing.
    expect((await usageCommand.execute(w.ctx(ALICE), { month: "2026-10" })).json()).toEqual({
      month: "2026-10",
      total: { amount: "0.00", currency: "EUR" },
      rows: [],
    });
  });

  it("refuses a month or a grouping it does not know, on its field", async () => {
    expect(await caught(() => parseInput(usageInput, { month: "2026-13" }))).toMatchObject({
      field: "month",
      message: 'A month looks like 2026-11 (got "2026-13").',
    });
    expect(await caught(() => parseInput(usageInput, { by: "week" }))).toMatchObject({ field: "by" });
  });

  it("reads slash words in any order, and shows people in Slack as mentions", async () => {
    const slack = usageCommand.doors.slack;
    expect(slack?.input(["all", "2026-10", "by", "type"])).toEqual({
      all: true,
      month: "2026-10",
      by: "type",
    });
    expect(slack?.input(["<@U0BOB>"])).toEqual({ user: "<@U0BOB>" });
    ran(w, "2026-11-03T10:00:00Z", 60, { owner: ALICE.id });
    const message = usageBlocks(usage(w.ctx(ALICE), {}));
    expect(JSON.stringify(message.blocks)).toContain(`<@${ALICE.id}>: €0.10 · 1 h · 1 machine`);
    expect(message.text).toBe("Spend in 2026-11: €0.10");
  });

  it("names people by their Slack display name in the text, and beside the id in JSON", async () => {
    ran(w, "2026-11-03T10:00:00Z", 60, { owner: ALICE.id });
    ran(w, "2026-11-04T10:00:00Z", 120, { owner: BOB.id });
    w.clock.set(NOW);
    const shown = await usageCommand.execute(w.ctx(ADMIN), { all: true });
    const names = new Map([[BOB.id, "Bob Builder"]]);
    const text = shown.text({ now: NOW, actor: ADMIN, names });
    expect(text).toContain(`Bob Builder (${BOB.id})`);
    // Slack gave no name for Alice: her id, as it is.
    expect(text).toMatch(new RegExp(`^  ${ALICE.id} +€`, "m"));
    const json = shown.json() as { rows: { key: string; owner?: string }[] };
    expect(json.rows.map((r) => r.owner)).toEqual([BOB.id, ALICE.id]);
    // By type there is nobody to name.
    const byType = (await usageCommand.execute(w.ctx(ADMIN), { all: true, by: "type" })).json() as {
      rows: { owner?: string }[];
    };
    expect(byType.rows.every((r) => r.owner === undefined)).toBe(true);
  });

  it("runs from the CLI for everyone by default, as CSV when asked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccc-usage-"));
    try {
      const env = { CCC_DB_PATH: join(dir, "ccc.db") };
      expect(await runCcc({ env }, ["init"])).toMatchObject({ code: 0 });
      const csv = await runCcc({ env }, ["usage", "--month", "2026-11", "--by", "type", "--csv"]);
      expect(csv).toMatchObject({
        code: 0,
        stdout: "type,eur,hours,machines,volumes,snapshots\ntotal,0.00,0,0,0,0\n",
      });
      const bad = await runCcc({ env }, ["usage", "--month", "November"]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("A month looks like 2026-11");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a year before 2000 from the CLI rather than reading 0099 as 1999", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccc-usage-"));
    try {
      const env = { CCC_DB_PATH: join(dir, "ccc.db") };
      expect(await runCcc({ env }, ["init"])).toMatchObject({ code: 0 });
      for (const month of ["0099-05", "1999-12"]) {
        const bad = await runCcc({ env }, ["usage", "--month", month, "--json"]);
        expect(bad.code).not.toBe(0);
        expect(bad.stdout).not.toContain('"month"');
        expect(`${bad.stdout}${bad.stderr}`).toContain(`A month from 2000 on, like 2026-11 (got "${month}")`);
      }
      const ok = await runCcc({ env }, ["usage", "--month", "2000-01", "--json"]);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({
        month: "2000-01",
        total: { amount: "0.00", currency: "EUR" },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shows a total that is the sum of its rows, over many rows of fractions of a cent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccc-usage-"));
    const path = join(dir, "ccc.db");
    try {
      const clock = new FakeClock(NOW);
      const world = { deps: buildCoreDeps({ CCC_DB_PATH: path }, { clock }), clock };
      const { store } = world.deps;
      // 60 people, each an hour at a price that leaves a fraction of a cent (€0.005 rounds up,
      // €0.0048741096 down, €0.0151 down): the exact sum and the sum of rounded rows part ways.
      const prices = ["0.0050000000000000", "0.0048741096000000", "0.0151000000000000"];
      for (let i = 0; i < 60; i++) {
        const hourly = prices[i % prices.length] as string;
        ran(world, `2026-11-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z`, 30, {
          owner: `U0P${String(i).padStart(3, "0")}`,
          serverType: i % 2 ? "cx23" : "cax11",
          location: i % 3 ? "fsn1" : "hel1",
          price: { hourly, monthly: "100.0000000000000000" },
        });
      }
      store.close();
      const env = { CCC_DB_PATH: path };
      const cents = (eur: string) => Math.round(Number(eur) * 100);
      for (const by of ["user", "type", "location", "day"]) {
        const run = await runCcc({ env }, ["usage", "--month", "2026-11", "--by", by, "--json"]);
        expect(run.code).toBe(0);
        const shown = JSON.parse(run.stdout) as {
          total: { amount: string };
          rows: { cost: { amount: string } }[];
        };
        expect(shown.rows.length).toBeGreaterThan(1);
        const rows = shown.rows.reduce((sum, r) => sum + cents(r.cost.amount), 0);
        expect({ by, total: cents(shown.total.amount) }).toEqual({ by, total: rows });
        const csv = await runCcc({ env }, ["usage", "--month", "2026-11", "--by", by, "--csv"]);
        const lines = csv.stdout.trim().split("\n").slice(1);
        const total = lines.pop() as string;
        const csvRows = lines.reduce((sum, line) => sum + cents(line.split(",")[1] as string), 0);
        expect(cents(total.split(",")[1] as string)).toBe(csvRows);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
