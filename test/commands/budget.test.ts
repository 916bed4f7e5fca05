import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { budgetCommand } from "../../src/commands/budget.ts";
import { ForbiddenError } from "../../src/core/errors.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { ran } from "../usage/billed.ts";
import { ADMIN, ALICE, BOB, caught, NOW } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

describe("budget", () => {
  it("shows spent, committed and left against the person's limit", async () => {
    w.deps.policy.budgets = { userMonthlyEur: "10", teamMonthlyEur: "100" };
    ran(w, "2026-11-03T10:00:00Z", 150, { owner: ALICE.id });
    w.clock.set(NOW);
    const shown = await budgetCommand.execute(w.ctx(ALICE), {});
    expect(shown.text({ now: NOW, actor: ALICE })).toBe(
      [
        `Budget of ${ALICE.id}: €10.00 for November`,
        "  spent      €0.30",
        "  committed  €0.00 (running machines until they expire)",
        "  left       €9.70",
        "Team: €0.30 of €100.00 spent or committed for November",
      ].join("\n"),
    );
    expect(shown.json()).toMatchObject({
      limit: { amount: "10.00", currency: "EUR" },
      spent: { amount: "0.30", currency: "EUR" },
      committed: { amount: "0.00", currency: "EUR" },
      left: { amount: "9.70", currency: "EUR" },
    });
  });

  it("lets admins set a person's own limit, from Slack words too, and nobody else", async () => {
    const slack = budgetCommand.doors.slack;
    const raw = slack?.input(["set", "<@U0BOB|bob>", "€12.5"]);
    expect(raw).toEqual({ action: "set", user: "<@U0BOB|bob>", eur: "€12.5" });
    const set = await budgetCommand.execute(w.ctx(ADMIN), raw);
    expect(set.text({ now: NOW, actor: ADMIN }).split("\n")[0]).toBe(
      `${BOB.id}'s budget is now €12.50 a month.`,
    );
    expect(w.deps.store.budgets.get(BOB.id)).toMatchObject({ eur: "12.50", setBy: ADMIN.id });
    expect(w.deps.store.events().at(-1)).toMatchObject({ kind: "budget_set", actor: ADMIN.id });
    expect(await caught(() => budgetCommand.execute(w.ctx(ALICE), raw))).toBeInstanceOf(ForbiddenError);
    expect(await caught(() => budgetCommand.execute(w.ctx(ALICE), { user: BOB.id }))).toBeInstanceOf(
      ForbiddenError,
    );
    for (const eur of ["-5", "ten", "1.234", ""]) {
      const bad = await caught(() =>
        budgetCommand.execute(w.ctx(ADMIN), { action: "set", user: ALICE.id, eur }),
      );
      expect(bad).toMatchObject({ field: "eur" });
    }
    expect(await caught(() => budgetCommand.execute(w.ctx(ADMIN), { action: "raise" }))).toMatchObject({
      field: "action",
    });
    expect(w.deps.store.budgets.get(ALICE.id)).toBeNull();
  });

  it("runs from the CLI: set, then show as JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccc-budget-"));
    try {
      const env = { CCC_DB_PATH: join(dir, "ccc.db") };
      expect(await runCcc({ env }, ["budget", "set", "alice", "25", "--init"])).toMatchObject({ code: 0 });
      const shown = await runCcc({ env }, ["budget", "--user", "alice", "--json"]);
      expect(JSON.parse(shown.stdout)).toMatchObject({
        user: "alice",
        limit: { amount: "25.00", currency: "EUR" },
        personal: true,
        spent: { amount: "0.00", currency: "EUR" },
        left: { amount: "25.00", currency: "EUR" },
        team: null,
      });
      // `none` clears the person's own limit: the default (here none) applies again.
      const cleared = await runCcc({ env }, ["budget", "set", "alice", "none"]);
      expect(cleared).toMatchObject({ code: 0 });
      expect(cleared.stdout).toContain("alice's own budget is cleared; the default applies.");
      const after = await runCcc({ env }, ["budget", "--user", "alice", "--json"]);
      expect(JSON.parse(after.stdout)).toMatchObject({ limit: null, personal: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
