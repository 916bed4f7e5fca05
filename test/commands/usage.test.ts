import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/commands/input.ts";
import { usage, usageBlocks, usageCommand, usageInput } from "../../src/commands/usage.ts";
import { ForbiddenError } from "../../src/core/errors.ts";
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
      currency: "EUR",
      total: "0.00",
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

  it("runs from the CLI for everyone by default, as CSV when asked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccc-usage-"));
    try {
      const env = { CCC_DB_PATH: join(dir, "ccc.db") };
      expect(await runCcc({ env }, ["init"])).toMatchObject({ code: 0 });
      const csv = await runCcc({ env }, ["usage", "--month", "2026-11", "--by", "type", "--csv"]);
      expect(csv).toMatchObject({ code: 0, stdout: "type,eur,hours,machines\ntotal,0.00,0,0\n" });
      const bad = await runCcc({ env }, ["usage", "--month", "November"]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("A month looks like 2026-11");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
