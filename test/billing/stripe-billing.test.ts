import { describe, expect, it } from "vitest";
import {
  StripeBilling,
  type StripeBillingOptions,
  stripeConnection,
} from "../../src/adapters/stripe-billing.ts";
import { serverCostRecord } from "../../src/core/billing/cost-record.ts";
import { billableHours } from "../../src/core/billing/meter-identifier.ts";
import { costOfServer, serverTariff } from "../../src/core/billing/price.ts";
import { ExternalError, UserError } from "../../src/core/errors.ts";
import type { FakeStripeOptions } from "../../stand-ins/fake-stripe.ts";
import { fakeStripePerTest } from "../fakes/fake-stripe-per-test.ts";

const startStripe = fakeStripePerTest();

async function start(options: FakeStripeOptions = {}, billing: Partial<StripeBillingOptions> = {}) {
  const fake = await startStripe(options);
  return {
    fake,
    billing: new StripeBilling({
      secretKey: fake.secretKey,
      apiUrl: fake.url,
      maxNetworkRetries: 0,
      ...billing,
    }),
  };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => error,
  );

const price = { location: "fsn1", hourly: "0.0071400000000000", monthly: "4.5101000000000000" };

describe("Stripe billing adapter", () => {
  it("finds a person's customer by email and creates one only when there is none", async () => {
    const { fake, billing } = await start();
    const first = await billing.findOrCreateCustomer({
      email: " Ada@Example.com ",
      name: "Ada",
      metadata: { slack_user: "U0ADA" },
    });
    const second = await billing.findOrCreateCustomer({ email: "ada@example.com" });

    expect(first.created).toBe(true);
    expect(second).toEqual({ id: first.id, created: false });
    expect(fake.customers()).toMatchObject([
      { email: "ada@example.com", name: "Ada", metadata: { slack_user: "U0ADA" } },
    ]);
  });

  it("creates one customer, not two, while Stripe's search has not caught up", async () => {
    const { fake, billing } = await start({ searchLag: true });
    const person = { email: "ada@example.com", name: "Ada" };
    const first = await billing.findOrCreateCustomer(person);
    const second = await billing.findOrCreateCustomer(person);

    expect(second.id).toBe(first.id);
    expect(fake.customers()).toHaveLength(1);
  });

  it("finds a customer made elsewhere, the oldest when there are several, and escapes quotes", async () => {
    const { fake, billing } = await start();
    const older = fake.addCustomer({ email: "o'brien@example.com" });
    fake.addCustomer({ email: "o'brien@example.com" });

    expect(await billing.findOrCreateCustomer({ email: "O'Brien@example.com" })).toEqual({
      id: older.id,
      created: false,
    });
  });

  it("refuses a bad email, key or URL before anything reaches Stripe", async () => {
    const { fake, billing } = await start();
    const error = await rejection(billing.findOrCreateCustomer({ email: "ada at example" }));
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe('"ada at example" is not an email address Stripe can bill');
    expect(() => new StripeBilling({ secretKey: "pk_test_123" })).toThrow(
      /STRIPE_SECRET_KEY must be a secret key/,
    );
    expect(() => stripeConnection("http://127.0.0.1:12111/v1")).toThrow(/must be only scheme, host and port/);
    expect(() => stripeConnection("127.0.0.1:12111")).toThrow(/must be a URL/);
    expect(() => stripeConnection("ftp://files.example.com")).toThrow(/must start with http/);
    expect(stripeConnection("https://[::1]")).toEqual({ host: "::1", port: 443, protocol: "https" });
    expect(fake.requests).toEqual([]);
  });

  it("bills each hour of a machine once, however often it is reported", async () => {
    const now = Date.parse("2026-11-25T15:00:00Z");
    const { fake, billing } = await start({ now: () => now });
    const { id: customerId } = await billing.findOrCreateCustomer({ email: "ada@example.com" });
    const from = new Date("2026-11-25T10:20:00Z");
    const to = new Date("2026-11-25T14:05:00Z");
    const record = serverCostRecord({
      resource: "ccc-ab12",
      type: { name: "cx23", prices: [price] },
      location: "fsn1",
      from,
    });
    const hours = billableHours(record.resource, serverTariff(record.price), from, to);
    const report = () =>
      Promise.all(
        hours.map((h) =>
          billing.reportUsage({ customerId, identifier: h.identifier, cents: h.cents, at: h.start }),
        ),
      );

    const first = await report();
    const restarted = await report();

    expect(first).toEqual(["sent", "nothing_to_bill", "sent", "sent"]);
    expect(restarted).toEqual(["already_sent", "nothing_to_bill", "already_sent", "already_sent"]);
    const events = fake.meterEvents();
    expect(events.reduce((sum, e) => sum + Number(e.value), 0)).toBe(costOfServer(price, from, to).cents);
    expect(events.map((e) => [e.identifier, e.timestamp])).toEqual([
      ["ccc:ccc-ab12:2026-11-25T10:20:00Z", Date.parse("2026-11-25T10:20:00Z") / 1000],
      ["ccc:ccc-ab12:2026-11-25T12:20:00Z", Date.parse("2026-11-25T12:20:00Z") / 1000],
      ["ccc:ccc-ab12:2026-11-25T13:20:00Z", Date.parse("2026-11-25T13:20:00Z") / 1000],
    ]);
    expect(events.every((e) => e.eventName === "ccc_usage_cents" && e.customer === customerId)).toBe(true);
  });

  it("reports Stripe's failures as ExternalError with a code the caller can act on", async () => {
    const { fake, billing } = await start({ meters: ["ccc_usage_cents", "other_meter"] });
    const customerId = fake.addCustomer({ email: "ada@example.com" }).id;
    const hour = {
      customerId,
      identifier: "ccc:ccc-ab12:2026-11-25T10:20:00Z",
      cents: 3,
      at: new Date(),
    };
    const code = async (promise: Promise<unknown>) => {
      const error = await rejection(promise);
      expect(error).toBeInstanceOf(ExternalError);
      return [
        (error as ExternalError).source,
        (error as ExternalError).code,
        (error as ExternalError).status,
      ];
    };

    fake.failNext({ status: 429 });
    expect(await code(billing.reportUsage(hour))).toEqual(["stripe", "stripe_rate_limited", 429]);
    fake.failNext({ status: 503 });
    expect(await code(billing.reportUsage(hour))).toEqual(["stripe", "stripe_unavailable", 503]);
    expect(await code(billing.reportUsage({ ...hour, customerId: "cus_gone" }))).toEqual([
      "stripe",
      "stripe_refused",
      400,
    ]);
    const wrongKey = new StripeBilling({
      secretKey: "sk_test_not_the_key",
      apiUrl: fake.url,
      maxNetworkRetries: 0,
    });
    expect(await code(wrongKey.reportUsage(hour))).toEqual(["stripe", "stripe_auth", 401]);
    const otherMeter = new StripeBilling({
      secretKey: fake.secretKey,
      apiUrl: fake.url,
      meterEventName: "other_meter",
    });
    expect(await otherMeter.reportUsage(hour)).toBe("sent");
    await fake.down();
    expect(await code(billing.findOrCreateCustomer({ email: "bob@example.com" }))).toEqual([
      "stripe",
      "stripe_unreachable",
      undefined,
    ]);
    expect(fake.meterEvents().map((e) => e.eventName)).toEqual(["other_meter"]);
  });
});
