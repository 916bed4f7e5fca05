// What machines cost over the API: a month's usage and budgets, with the rights every door has.
import { describe, expect, it } from "vitest";
import { budgetSchema, usageSchema } from "../../src/render/schemas/money-schemas.ts";
import { ADMIN, ALICE, BOB } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { call, tokenFor } from "./api-client.ts";

const b = useBotHarness();

describe("the HTTP API's money routes", () => {
  it("shows your own usage, everyone's only to admins, and refuses a bad month", async () => {
    const alice = tokenFor(b, ALICE);
    const own = await call(b, "GET", "/usage", { token: alice });
    expect(own.status).toBe(200);
    expect(usageSchema.parse(own.json)).toMatchObject({
      total: { amount: "0.00", currency: "EUR" },
      rows: [],
    });
    expect(await call(b, "GET", "/usage?user=U0BOB", { token: alice })).toMatchObject({ status: 403 });
    expect(await call(b, "GET", "/usage?all=true", { token: alice })).toMatchObject({ status: 403 });
    const all = await call(b, "GET", "/usage?all=true&by=type", { token: tokenFor(b, ADMIN) });
    expect(all.status).toBe(200);
    expect(await call(b, "GET", "/usage?month=2026-13", { token: alice })).toMatchObject({
      status: 422,
      error: { field: "month" },
    });
    expect(await call(b, "GET", "/usage?by=colour", { token: alice })).toMatchObject({ status: 422 });
  });

  it("shows where you stand, and lets only admins set a person's own limit", async () => {
    const alice = tokenFor(b, ALICE);
    const mine = await call(b, "GET", "/budget", { token: alice });
    expect(mine.status).toBe(200);
    expect(budgetSchema.parse(mine.json)).toMatchObject({
      user: ALICE,
      limit: null,
      spent: { amount: "0.00", currency: "EUR" },
    });
    expect(await call(b, "GET", "/budget?user=U0BOB", { token: alice })).toMatchObject({ status: 403 });
    const refused = await call(b, "PUT", `/budgets/${BOB}`, { token: alice, body: { eur: "25" } });
    expect(refused).toMatchObject({ status: 403 });
    expect(b.running.bot.deps.store.budgets.get(BOB)).toBeNull();
    const admin = tokenFor(b, ADMIN);
    const bad = await call(b, "PUT", `/budgets/${BOB}`, { token: admin, body: { eur: "lots" } });
    expect(bad).toMatchObject({ status: 422, error: { field: "eur" } });
    const set = await call(b, "PUT", `/budgets/${BOB}`, { token: admin, body: { eur: "25" } });
    expect(set.status).toBe(200);
    expect(budgetSchema.parse(set.json)).toMatchObject({
      user: BOB,
      limit: { amount: "25.00", currency: "EUR" },
      personal: true,
    });
  });

  it("takes a budget as a number or as text, and clears a person's own limit with null", async () => {
    const admin = tokenFor(b, ADMIN);
    const store = b.running.bot.deps.store;
    const number = await call(b, "PUT", `/budgets/${BOB}`, { token: admin, body: { eur: 25 } });
    expect(number.status).toBe(200);
    expect(budgetSchema.parse(number.json)).toMatchObject({
      limit: { amount: "25.00", currency: "EUR" },
      personal: true,
    });
    const fraction = await call(b, "PUT", `/budgets/${BOB}`, { token: admin, body: { eur: 12.4 } });
    expect(budgetSchema.parse(fraction.json)).toMatchObject({
      limit: { amount: "12.40", currency: "EUR" },
      personal: true,
    });
    expect(store.budgets.get(BOB)?.eur).toBe("12.40");
    for (const eur of [-3, 1e21, true, {}]) {
      const bad = await call(b, "PUT", `/budgets/${BOB}`, { token: admin, body: { eur } });
      expect(bad).toMatchObject({ status: 422, error: { field: "eur" } });
    }
    expect(store.budgets.get(BOB)?.eur).toBe("12.40");
    const cleared = await call(b, "PUT", `/budgets/${BOB}`, { token: admin, body: { eur: null } });
    expect(cleared.status).toBe(200);
    expect(budgetSchema.parse(cleared.json)).toMatchObject({ user: BOB, limit: null, personal: false });
    expect(store.budgets.get(BOB)).toBeNull();
    const missing = await call(b, "PUT", `/budgets/${BOB}`, { token: admin, body: {} });
    expect(missing).toMatchObject({ status: 422, error: { field: "eur" } });
  });
});
