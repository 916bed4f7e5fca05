import { afterEach, describe, expect, it, vi } from "vitest";
import { StripeBilling } from "../../src/adapters/stripe-billing.ts";
import { billingCommand, billingText } from "../../src/commands/billing.ts";
import { ALERT_AFTER_FAILURES, runBillingJob } from "../../src/core/billing-sync/billing-job.ts";
import { syncBilling } from "../../src/core/billing-sync/sync-billing.ts";
import { ForbiddenError } from "../../src/core/errors.ts";
import type { BillingApi } from "../../src/core/ports/billing.ts";
import { machineCost } from "../../src/core/usage/machine-cost.ts";
import type { FakeStripe } from "../../stand-ins/fake-stripe.ts";
import { type BillingWorld, HOUR, START, startBillingWorld } from "../billing/billing-world.ts";
import { fakeStripePerTest } from "../fakes/fake-stripe-per-test.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { useHarness } from "../helpers/use-harness.ts";
import { ADMIN, ALICE, caught, startStoreWorld } from "./fixtures.ts";

const startStripe = fakeStripePerTest();
let w: BillingWorld | null = null;
afterEach(async () => {
  await w?.close();
  w = null;
});

async function world(options: { billing?: (stripe: FakeStripe) => BillingApi } = {}) {
  const clock = new FakeClock(START);
  const stripe = await startStripe({ now: () => clock.now().getTime() });
  w = await startBillingWorld(stripe, {
    clock,
    directory: {
      emailOf: async (person) => (person.startsWith("U") ? `${person.toLowerCase()}@example.test` : null),
    },
    ...(options.billing ? { billing: options.billing(stripe) } : {}),
  });
  return { w, stripe };
}

const adapter = (stripe: FakeStripe) =>
  new StripeBilling({ secretKey: stripe.secretKey, apiUrl: stripe.url, maxNetworkRetries: 0 });

/** Stripe's meter events as identifier → cents. */
const billed = (stripe: FakeStripe) =>
  Object.fromEntries(stripe.meterEvents().map((e) => [e.identifier, Number(e.value)]));

describe("billing sync", () => {
  it("finds a person's customer by their email, creates one when there is none, and stores the id", async () => {
    const { w, stripe } = await world();
    const known = stripe.addCustomer({ email: "u0alice@example.test" });
    w.plant(ALICE.id);
    w.plant("U0BOB");
    w.plant("opal", { ownerEmail: "opal@example.test" }); // the CLI's --email
    w.clock.advance(2 * HOUR + 60_000);
    const report = await syncBilling(w.deps, { dryRun: false });
    expect(report.customersCreated).toBe(2);
    expect(w.deps.store.billing.customerOf(ALICE.id)).toBe(known.id);
    const bob = stripe.customers().find((c) => c.email === "u0bob@example.test");
    expect(w.deps.store.billing.customerOf("U0BOB")).toBe(bob?.id);
    expect(stripe.customers().find((c) => c.email === "opal@example.test")?.metadata).toEqual({
      ccc_person: "opal",
    });
    // Three started hours each, about 2 cents each.
    expect(report.sent).toBe(9);
    const perCustomer = new Map<string, number>();
    for (const e of stripe.meterEvents()) perCustomer.set(e.customer, (perCustomer.get(e.customer) ?? 0) + 1);
    expect(perCustomer.get(known.id)).toBe(3);
    // The next sync asks Stripe for no customer again, and has nothing to send.
    const searches = stripe.requests.filter((r) => r.path === "/v1/customers/search").length;
    expect(await syncBilling(w.deps, { dryRun: false })).toMatchObject({ sent: 0, customersCreated: 0 });
    expect(stripe.requests.filter((r) => r.path === "/v1/customers/search")).toHaveLength(searches);
  });

  it("is idempotent across a crash between Stripe taking an event and ccc recording it", async () => {
    let sends = 0;
    const { stripe } = await world({
      billing: (s) => {
        const real = adapter(s);
        // The process dies right after Stripe took the second event, before the sent-log row.
        return {
          findOrCreateCustomer: (p) => real.findOrCreateCustomer(p),
          reportUsage: async (hour) => {
            const result = await real.reportUsage(hour);
            if (++sends === 2) throw new Error("process killed");
            return result;
          },
        };
      },
    });
    const world1 = w as BillingWorld;
    const machine = world1.plant(ALICE.id);
    world1.clock.advance(3 * HOUR + 1);
    expect(await caught(() => syncBilling(world1.deps, { dryRun: false }))).toMatchObject({
      message: "process killed",
    });
    expect(stripe.meterEvents()).toHaveLength(2);
    expect(world1.deps.store.billing.sentIdentifiers(machine.id).size).toBe(1);

    const world2 = world1.restart(adapter(stripe));
    const report = await syncBilling(world2.deps, { dryRun: false });
    expect(report).toMatchObject({ sent: 2, alreadySent: 1 });
    // Every hour billed exactly once, and the log knows each.
    expect(stripe.meterEvents()).toHaveLength(4);
    expect(new Set(stripe.meterEvents().map((e) => e.identifier)).size).toBe(4);
    expect(Object.keys(billed(stripe)).sort()).toEqual(
      [0, 1, 2, 3].map(
        (h) => `ccc:${machine.id}:${new Date(START.getTime() + h * HOUR).toISOString().slice(0, 19)}Z`,
      ),
    );
    expect(world2.deps.store.billing.sentIdentifiers(machine.id).size).toBe(4);
    expect(await syncBilling(world2.deps, { dryRun: false })).toMatchObject({ sent: 0, alreadySent: 0 });
  });

  it("rides out Stripe being down for hours: backs off, alerts the admins once, provisions go on, then catches up", async () => {
    const { w, stripe } = await world({ billing: adapter });
    w.plant(ALICE.id);
    await stripe.down();
    const outcomes: string[] = [];
    // Five hours of minute ticks.
    for (let minute = 0; minute < 5 * 60; minute++) {
      outcomes.push(await runBillingJob(w.deps));
      w.clock.advance(60_000);
    }
    const failures = outcomes.filter((o) => o === "failed").length;
    // 1, 2, 4 … minutes apart up to an hour: a handful of tries, not one per tick.
    expect(failures).toBeGreaterThanOrEqual(ALERT_AFTER_FAILURES);
    expect(failures).toBeLessThan(15);
    expect(w.notes.notices.filter((n) => n.kind === "admin_alert")).toHaveLength(1);
    expect(w.deps.store.billing.syncState()).toMatchObject({
      alerted: true,
      lastError: expect.stringMatching(/Stripe/),
    });
    // Provisioning never waits for billing.
    const { acceptProvision } = await import("../../src/commands/provision.ts");
    const asked = await acceptProvision(
      { deps: w.deps, actor: ADMIN },
      { owner: "U0BOB", sshKey: makeKeyPair().publicKey, serverType: "cx23", location: "fsn1", hours: 1 },
    );
    expect(asked.status).toBe("creating");
    expect(stripe.meterEvents()).toEqual([]);

    await stripe.up();
    let outcome = "not_due";
    for (let minute = 0; minute < 61 && outcome !== "synced"; minute++) {
      outcome = await runBillingJob(w.deps);
      w.clock.advance(60_000);
    }
    expect(outcome).toBe("synced");
    expect(stripe.meterEvents().length).toBeGreaterThanOrEqual(5);
    expect(new Set(stripe.meterEvents().map((e) => e.identifier)).size).toBe(stripe.meterEvents().length);
    const alerts = w.notes.notices.filter((n) => n.kind === "admin_alert");
    expect(alerts.at(-1)).toMatchObject({ text: expect.stringMatching(/works again/) });
    expect(w.deps.store.billing.syncState()).toMatchObject({ failures: 0, alerted: false });
  });

  it("bills every hour at the price the ledger stored for the machine, whatever the catalog says later", async () => {
    const { w, stripe } = await world({ billing: adapter });
    // Stored at creation: €0.10 an hour, far from the catalog's ccx13 price.
    const machine = w.plant(ALICE.id, {
      price: { hourly: "0.1000000000000000", monthly: "5.0000000000000000" },
    });
    w.clock.advance(30 * 60_000);
    expect(await syncBilling(w.deps, { dryRun: false })).toMatchObject({ sent: 1 });
    // Hetzner raises the price between the machine's first and second hour, and the catalog sees it.
    for (const type of w.hetzner.serverTypes().filter((t) => t.name === "ccx13")) {
      for (const p of type.prices as Record<string, unknown>[]) {
        p.price_hourly = { net: "0.8403361345", gross: "1.0000000000000000" };
        p.price_monthly = { net: "42.0168067227", gross: "50.0000000000000000" };
      }
    }
    w.clock.advance(HOUR);
    // The catalog refreshes behind a stale answer: wait until it shows the new price.
    await vi.waitFor(
      async () => {
        const ccx13 = (await w.deps.catalog.load()).types.find((t) => t.name === "ccx13");
        expect(ccx13?.prices.find((p) => p.location === "fsn1")?.hourly).toBe("1.0000000000000000");
      },
      { timeout: 10_000 },
    );
    expect(await syncBilling(w.deps, { dryRun: false })).toMatchObject({ sent: 1 });
    const hour = (h: number) =>
      `ccc:${machine.id}:${new Date(START.getTime() + h * HOUR).toISOString().slice(0, 19)}Z`;
    expect(billed(stripe)).toEqual({ [hour(0)]: 10, [hour(1)]: 10 });
    // What Stripe billed is what `usage` shows for the machine.
    expect(machineCost(w.deps.store, machine.id, w.clock.now())).toEqual({ cents: 20, hours: 2 });
  });

  it("syncs at once after a machine is deleted, not only on the hour", async () => {
    const { w, stripe } = await world({ billing: adapter });
    const machine = w.plant(ALICE.id);
    w.clock.advance(10 * 60_000);
    expect(await runBillingJob(w.deps)).toBe("synced");
    expect(await runBillingJob(w.deps)).toBe("not_due");
    w.clock.advance(HOUR);
    // Not yet the next hour's tick for the job (it runs at the top of the hour), but a deletion.
    w.deps.store.remove(machine.id, { actor: ALICE.id, kind: "deleted" });
    w.clock.advance(1);
    expect(await runBillingJob(w.deps)).toBe("synced");
    expect(stripe.meterEvents()).toHaveLength(2);
  });
});

describe("ccc billing", () => {
  it("is for admins; shows what is pending without sending on --dry-run, and the status after a sync", async () => {
    const { w, stripe } = await world({ billing: adapter });
    w.plant(ALICE.id);
    w.clock.advance(HOUR + 1);
    const ctx = { deps: w.deps, actor: ADMIN };
    expect(
      await caught(() => billingCommand.execute({ deps: w.deps, actor: ALICE }, { action: "status" })),
    ).toBeInstanceOf(ForbiddenError);
    const dry = await billingCommand.execute(ctx, { action: "sync", dryRun: true });
    expect(dry.text({ now: w.clock.now(), actor: ADMIN })).toBe(
      "Pending (dry run, nothing sent):\nU0ALICE: 2 hour(s), €0.04 → customer to be found",
    );
    expect(stripe.requests).toEqual([]);
    await billingCommand.execute(ctx, { action: "sync" });
    const status = await billingCommand.execute(ctx, { action: "status" });
    expect(status.text({ now: w.clock.now(), actor: ADMIN })).toBe(
      [
        `Last meter event sent: ${w.clock.now().toISOString()} (2 in all, €0.04); 1 customer(s).`,
        "Pending: 0 hour(s), €0.00.",
        `Last sync: ${w.clock.now().toISOString()}.`,
      ].join("\n"),
    );
    expect(await caught(() => billingCommand.execute(ctx, { action: "refund" }))).toMatchObject({
      message: "action: billing wants sync or status",
    });
  });

  it("says billing is off without STRIPE_SECRET_KEY, and refuses to sync", async () => {
    const plain = await startStoreWorld();
    try {
      const ctx = plain.ctx(ADMIN);
      const status = await billingCommand.execute(ctx, { action: "status" });
      expect(billingText({ kind: "status", status: status.json() as never })).toBe(
        "Stripe billing is off (STRIPE_SECRET_KEY is not set).",
      );
      expect(await caught(() => billingCommand.execute(ctx, { action: "sync" }))).toMatchObject({
        code: "billing_off",
        message: "Stripe billing is off: set STRIPE_SECRET_KEY to turn it on.",
      });
    } finally {
      await plain.close();
    }
  });
});

describe("ccc billing in the terminal", () => {
  const h = useHarness();

  it("runs as the operator with STRIPE_SECRET_KEY, and a mistyped action is refused with exit code 2", async () => {
    const stripe = await startStripe();
    const env = { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_API_URL: stripe.url };
    const status = await runCcc(h, ["billing", "status"], { env });
    expect(status).toMatchObject({ code: 0, stderr: `database: ${h.env.CCC_DB_PATH}\n` });
    expect(status.stdout).toContain("Last meter event sent: never (0 in all, €0.00); 0 customer(s).");
    const json = await runCcc(h, ["billing", "sync", "--dry-run", "--json"], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({ dryRun: true, people: [], sent: 0 });
    const wrong = await runCcc(h, ["billing", "refund"], { env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("billing wants sync or status");
    expect(stripe.requests).toEqual([]);
  });
});
