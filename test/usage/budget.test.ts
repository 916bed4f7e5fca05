import { describe, expect, it, vi } from "vitest";
import { extendCommand } from "../../src/commands/extend.ts";
import { usage, usageJson } from "../../src/commands/usage.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { ADMIN, ALICE, BOB, caught, NOW, startStoreWorld } from "../commands/fixtures.ts";
import { perTest } from "../helpers/per-test.ts";
import { HOUR, ran, requestMachine, startBilled } from "./billed.ts";

// cx23 in fsn1 costs €0.0048741096 an hour in the fake Hetzner; the other machines €0.10.
const w = perTest(
  () => startStoreWorld({ fakeHetzner: true }),
  () => {},
);
const DIME = { hourly: "0.1000000000000000", monthly: "100.0000000000000000" };
function provision(actor: Actor, hours: number) {
  return requestMachine(w, actor, hours);
}

/** Alice has spent €9.70 on a closed machine and €0.10 on one running since 11:00 until 13:00. */
function aliceNearHerLimit() {
  w.deps.policy.budgets = { userMonthlyEur: "10.00", teamMonthlyEur: null };
  ran(w, "2026-11-10T00:00:00Z", 97 * 60, { owner: ALICE.id, price: DIME });
  w.clock.set(new Date(NOW.getTime() - HOUR));
  const running = startBilled(w, { owner: ALICE.id, price: DIME, hours: 2 });
  w.clock.set(NOW);
  return running;
}

describe("budgets", () => {
  it("refuse a provision and an extend on the projected cost, changing nothing", async () => {
    const running = aliceNearHerLimit();
    const before = { machines: w.deps.store.list().length, events: w.deps.store.events().length };
    // €9.70 spent + €0.20 for the running machine to its expiry + 24 h of cx23 (€0.117).
    expect(await caught(() => provision(ALICE, 24))).toMatchObject({
      code: "over_budget",
      message: "This would bring you to €10.02 of your €10.00 for November.",
    });
    const extend = await caught(() => extendCommand.execute(w.ctx(ALICE), { id: running.id, hours: "2" }));
    expect(extend).toMatchObject({ message: "This would bring you to €10.10 of your €10.00 for November." });
    expect(w.deps.store.list().length).toBe(before.machines);
    expect(w.deps.store.events().length).toBe(before.events);
    expect(w.deps.store.require(running.id).expiresAt).toEqual(running.expiresAt);
    expect(w.notes.summary()).toEqual([]);
  });

  it("warn once a month at 80 %, and let what fits through", async () => {
    aliceNearHerLimit();
    const made = await provision(ALICE, 4);
    expect(w.notes.notices).toEqual([
      {
        kind: "user_alert",
        user: ALICE.id,
        text: "You have used €9.92 of €10.00 for November (99 %), counting what running machines will cost until they expire. ccc refuses what would go past it.",
      },
    ]);
    await extendCommand.execute(w.ctx(ALICE), { id: made.id, hours: "1" });
    expect(w.deps.store.require(made.id).expiresAt.getTime()).toBe(NOW.getTime() + 5 * HOUR);
    expect(w.notes.summary()).toEqual([`user_alert ${ALICE.id}`]);
    // A new month starts from nothing, with a warning of its own to come.
    w.clock.set(new Date("2026-12-01T12:00:00Z"));
    expect(w.deps.store.budgets.claimWarning(ALICE.id, "2026-12", w.clock.now())).toBe(true);
  });

  it("count everyone's machines against the team's budget", async () => {
    w.deps.policy.budgets = { userMonthlyEur: null, teamMonthlyEur: "10.00" };
    ran(w, "2026-11-10T00:00:00Z", 99 * 60, { owner: BOB.id, price: DIME });
    // October's spend is October's.
    ran(w, "2026-10-10T00:00:00Z", 99 * 60, { owner: ALICE.id, price: DIME });
    w.clock.set(NOW);
    expect(await caught(() => provision(ALICE, 24))).toMatchObject({
      message: "This would bring the team to €10.02 of its €10.00 for November.",
    });
    await provision(ALICE, 4);
    expect(w.notes.summary()).toEqual(["admin_alert"]);
  });

  it("take a person's own limit over the default", async () => {
    w.deps.policy.budgets = { userMonthlyEur: "100", teamMonthlyEur: null };
    w.deps.store.budgets.put({ user: ALICE.id, eur: "0.05", setBy: "U0ADMIN", setAt: NOW });
    expect(await caught(() => provision(ALICE, 24))).toMatchObject({
      message: "This would bring you to €0.12 of your €0.05 for November.",
    });
    await provision(BOB, 24);
  });

  it("bill a machine at the price Hetzner asked when it was provisioned, whatever it asks later", async () => {
    const before = await provision(ALICE, 4);
    const cx23 = w.fake?.serverTypes().find((t) => t.name === "cx23");
    for (const price of (cx23?.prices ?? []) as Record<string, unknown>[]) {
      // Still under the guardrail's hourly ceiling (CCC_MAX_EUR_PER_HOUR, €0.10 by default).
      price.price_hourly = { net: "0.0756302521", gross: "0.0900000000" };
      price.price_monthly = { net: "7.5630252101", gross: "9.0000000000" };
    }
    // The catalog is cached for five minutes, then refreshed behind the answer it already has.
    w.clock.advance(10 * 60_000);
    await vi.waitFor(
      async () => expect((await w.deps.catalog.offer("cx23", "fsn1")).hourly).toBe("0.0900000000"),
      { timeout: 10_000 },
    );
    const after = await provision(BOB, 4);
    for (const id of [before.id, after.id]) {
      w.deps.store.update(id, { status: "ready" }, { actor: "ccc", kind: "server_created" });
    }
    w.clock.advance(90 * 60_000);
    for (const id of [before.id, after.id]) w.deps.store.remove(id, { actor: "ccc", kind: "deleted" });
    // Two started hours each: Alice at €0.0048741096, Bob at €0.09.
    expect(usageJson(usage(w.ctx(ADMIN), { all: true }))).toMatchObject({
      total: { amount: "0.19", currency: "EUR" },
      rows: [
        { key: BOB.id, cost: { amount: "0.18", currency: "EUR" }, hours: 2 },
        { key: ALICE.id, cost: { amount: "0.01", currency: "EUR" }, hours: 2 },
      ],
    });
  });
});
