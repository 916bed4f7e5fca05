import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import type { FakeStripe, FakeStripeOptions } from "../../stand-ins/fake-stripe.ts";
import { fakeStripePerTest } from "./fake-stripe-per-test.ts";

// The fake stands in for Stripe wherever ccc bills, so its behaviour is pinned here, through the
// real library: what the library sends must pass, and what Stripe refuses must come back as the
// library's own error classes.

const startStripe = fakeStripePerTest();

async function start(options: FakeStripeOptions = {}) {
  const fake = await startStripe(options);
  return { fake, stripe: client(fake) };
}

function client(f: FakeStripe, overrides: { key?: string; maxNetworkRetries?: number } = {}) {
  return new Stripe(overrides.key ?? f.secretKey, {
    host: f.host,
    port: f.port,
    protocol: "http",
    maxNetworkRetries: overrides.maxNetworkRetries ?? 1,
    telemetry: false,
  });
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected Stripe to refuse");
    },
    (error: unknown) => error as Stripe.errors.StripeError,
  );

const hourly = (customer: string, identifier: string, value = "7") => ({
  event_name: "ccc_usage_cents",
  payload: { stripe_customer_id: customer, value },
  identifier,
});

describe("fake Stripe customers", () => {
  it("finds a customer by email, creates one when missing, and retrieves it", async () => {
    const { fake, stripe } = await start();
    expect((await stripe.customers.search({ query: "email:'ada@example.com'" })).data).toEqual([]);

    const created = await stripe.customers.create({
      email: "ada@example.com",
      name: "Ada",
      metadata: { slack_user: "U0ADA" },
    });
    const found = await stripe.customers.search({ query: 'email:"ada@example.com"' });
    const again = await stripe.customers.retrieve(created.id);

    expect(created).toMatchObject({
      object: "customer",
      email: "ada@example.com",
      metadata: { slack_user: "U0ADA" },
    });
    expect(created.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    expect(found.data.map((c) => c.id)).toEqual([created.id]);
    expect(again.id).toBe(created.id);
    const create = fake.requests.find((r) => r.method === "POST");
    expect(create?.params).toEqual({
      email: "ada@example.com",
      name: "Ada",
      metadata: { slack_user: "U0ADA" },
    });
    expect(create?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(create?.headers.authorization).toBe(`Bearer ${fake.secretKey}`);
    expect(create?.headers["stripe-version"]).toMatch(/^\d{4}-\d{2}-\d{2}/);
  });

  it("refuses search queries it cannot read, unknown customers and bad fields, like Stripe", async () => {
    const { stripe } = await start();
    const query = await failure(stripe.customers.search({ query: "name:'Ada' OR email:'a@b.c'" }));
    const field = await failure(stripe.customers.search({ query: "phone:'123'" }));
    const missing = await failure(stripe.customers.retrieve("cus_nope"));
    const email = await failure(stripe.customers.create({ email: "not an email" }));
    const unknown = await failure(stripe.customers.create({ email: "a@b.co", phone: "123" }));

    expect(query).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(query).toMatchObject({ statusCode: 400, rawType: "invalid_request_error", param: "query" });
    expect(field.message).toMatch(/unsupported search field/);
    expect(missing).toMatchObject({
      statusCode: 404,
      code: "resource_missing",
      message: "No such customer: 'cus_nope'",
    });
    expect(email).toMatchObject({ statusCode: 400, code: "email_invalid", param: "email" });
    expect(unknown).toMatchObject({ code: "parameter_unknown", param: "phone" });
  });

  it("shows new customers in search only once indexed, as Stripe's search lags writes", async () => {
    const { fake, stripe } = await start({ searchLag: true });
    await stripe.customers.create({ email: "ada@example.com" });
    expect((await stripe.customers.search({ query: "email:'ada@example.com'" })).data).toEqual([]);
    fake.indexForSearch();
    expect((await stripe.customers.search({ query: "email:'ada@example.com'" })).data).toHaveLength(1);
  });
});

describe("fake Stripe meter events", () => {
  it("accepts a meter event and refuses a repeat of its identifier", async () => {
    const { fake, stripe } = await start();
    const customer = fake.addCustomer({ email: "ada@example.com" });
    const identifier = "ccc:ccc-ab12:2026-11-25T10:20:00Z";

    const event = await stripe.billing.meterEvents.create(hourly(customer.id, identifier));
    const repeat = await failure(stripe.billing.meterEvents.create(hourly(customer.id, identifier)));

    expect(event).toMatchObject({ object: "billing.meter_event", identifier, payload: { value: "7" } });
    expect(repeat).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(repeat).toMatchObject({
      statusCode: 400,
      message: `An event already exists with identifier ${identifier}.`,
    });
    expect(repeat.headers?.["stripe-should-retry"]).toBe("false");
    expect(fake.meterEvents()).toMatchObject([{ customer: customer.id, value: "7", identifier }]);
  });

  it("refuses what Stripe refuses and records none of it", async () => {
    let now = Date.parse("2026-11-25T12:00:00Z");
    const { fake, stripe } = await start({ now: () => now });
    const customer = fake.addCustomer({ email: "ada@example.com" }).id;
    const seconds = (iso: string) => Date.parse(iso) / 1000;
    const refusals = await Promise.all([
      failure(stripe.billing.meterEvents.create({ ...hourly(customer, "a"), event_name: "no_such_meter" })),
      failure(stripe.billing.meterEvents.create(hourly("cus_nope", "b"))),
      failure(stripe.billing.meterEvents.create(hourly(customer, "c", "0"))),
      failure(stripe.billing.meterEvents.create(hourly(customer, "d", "1.5"))),
      failure(stripe.billing.meterEvents.create(hourly(customer, "e".repeat(101)))),
      failure(
        stripe.billing.meterEvents.create({
          ...hourly(customer, "f"),
          timestamp: seconds("2026-10-20T11:59:00Z"),
        }),
      ),
      failure(
        stripe.billing.meterEvents.create({
          ...hourly(customer, "g"),
          timestamp: seconds("2026-11-25T12:06:00Z"),
        }),
      ),
      failure(stripe.billing.meterEvents.create({ event_name: "ccc_usage_cents", payload: { value: "1" } })),
    ]);

    expect(refusals.map((e) => [e.statusCode, e.param])).toEqual([
      [400, "event_name"],
      [400, "payload[stripe_customer_id]"],
      [400, "payload[value]"],
      [400, "payload[value]"],
      [400, "identifier"],
      [400, "timestamp"],
      [400, "timestamp"],
      [400, "payload[stripe_customer_id]"],
    ]);
    expect(fake.meterEvents()).toEqual([]);

    // 35 days back and 5 minutes ahead are still fine; an identifier is free again after 24 hours.
    await stripe.billing.meterEvents.create({
      ...hourly(customer, "h"),
      timestamp: seconds("2026-10-21T12:01:00Z"),
    });
    await stripe.billing.meterEvents.create({
      ...hourly(customer, "i"),
      timestamp: seconds("2026-11-25T12:04:00Z"),
    });
    now += 24 * 3_600_000;
    await stripe.billing.meterEvents.create(hourly(customer, "h"));
    expect(fake.meterEvents().map((e) => e.identifier)).toEqual(["h", "i", "h"]);
  });
});

describe("fake Stripe checks every request", () => {
  it("answers a wrong key with Stripe's 401", async () => {
    const { fake } = await start();
    const error = await failure(
      client(fake, { key: "sk_test_wrong0000000000001234" }).customers.retrieve("cus_x"),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error).toMatchObject({
      statusCode: 401,
      message: expect.stringMatching(/^Invalid API Key provided: sk_test_\*+1234$/),
    });

    const bare = await fetch(`${fake.url}/v1/customers/cus_x`, {
      headers: { "stripe-version": "2026-10-28.endive" },
    });
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { error: { message: string } }).error.message).toMatch(
      /^You did not provide an API key/,
    );
  });

  it("answers an unknown route with a Stripe 404 and records it as a failure", async () => {
    const { fake, stripe } = await start();
    const error = await failure(stripe.rawRequest("GET", "/v1/customers/cus_x/nothing"));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({
      statusCode: 404,
      message: expect.stringMatching(/^Unrecognized request URL \(GET: /),
    });
    expect(fake.failures.splice(0)).toEqual(["GET /v1/customers/cus_x/nothing: no such route"]);
  });

  it("records a request without Stripe-Version or with a JSON body as a failure", async () => {
    const { fake } = await start();
    const headers = { authorization: `Bearer ${fake.secretKey}` };
    const noVersion = await fetch(`${fake.url}/v1/customers/search?query=email:'a@b.co'`, { headers });
    const json = await fetch(`${fake.url}/v1/customers`, {
      method: "POST",
      headers: { ...headers, "stripe-version": "2026-10-28.endive", "content-type": "application/json" },
      body: JSON.stringify({ email: "a@b.co" }),
    });
    expect([noVersion.status, json.status]).toEqual([400, 400]);
    expect(fake.failures.splice(0)).toEqual([
      "GET /v1/customers/search: no Stripe-Version header",
      "POST /v1/customers: Content-Type application/json",
    ]);
    expect(fake.customers()).toEqual([]);
  });

  it("replays an answer for the same Idempotency-Key and refuses the key for other parameters", async () => {
    const { fake, stripe } = await start();
    const first = await stripe.customers.create(
      { email: "ada@example.com" },
      { idempotencyKey: "ccc-customer-1" },
    );
    const second = await stripe.customers.create(
      { email: "ada@example.com" },
      { idempotencyKey: "ccc-customer-1" },
    );
    const other = await failure(
      stripe.customers.create({ email: "bob@example.com" }, { idempotencyKey: "ccc-customer-1" }),
    );

    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(other.statusCode).toBe(400);
    expect(fake.customers()).toHaveLength(1);
  });
});

describe("fake Stripe faults, through the library's retries", () => {
  it("a lock timeout (429 with Stripe-Should-Retry) is retried by the library", async () => {
    const { fake, stripe } = await start();
    const customer = fake.addCustomer({ email: "ada@example.com" });
    fake.failNext({ status: 429, reason: "lock_timeout" });

    await stripe.billing.meterEvents.create(hourly(customer.id, "ccc:x:1"));

    expect(fake.requests.map((r) => r.path)).toEqual([
      "/v1/billing/meter_events",
      "/v1/billing/meter_events",
    ]);
    expect(fake.meterEvents()).toHaveLength(1);
  });

  it("a plain rate limit is not retried by the library: it is ccc's to retry later", async () => {
    const { fake, stripe } = await start();
    const customer = fake.addCustomer({ email: "ada@example.com" });
    fake.failNext({ status: 429 });

    const error = await failure(stripe.billing.meterEvents.create(hourly(customer.id, "ccc:x:1")));

    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: "rate_limit" });
    expect(fake.requests).toHaveLength(1);
    expect(fake.meterEvents()).toEqual([]);
  });

  it("5xx is retried with the same Idempotency-Key; one that says not to retry is not", async () => {
    const { fake, stripe } = await start();
    const customer = fake.addCustomer({ email: "ada@example.com" });
    fake.failNext({ status: 503 });
    await stripe.billing.meterEvents.create(hourly(customer.id, "ccc:x:1"));
    const [first, retry] = fake.requests;
    expect(retry?.headers["idempotency-key"]).toBe(first?.headers["idempotency-key"]);

    fake.failNext({ status: 500, shouldRetry: false });
    const error = await failure(stripe.billing.meterEvents.create(hourly(customer.id, "ccc:x:2")));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error.statusCode).toBe(500);

    fake.failNext({ status: 500 }, 2);
    const persistent = await failure(stripe.billing.meterEvents.create(hourly(customer.id, "ccc:x:3")));
    expect(persistent.statusCode).toBe(500);
    expect(fake.requests).toHaveLength(2 + 1 + 2);
    expect(fake.meterEvents().map((e) => e.identifier)).toEqual(["ccc:x:1"]);
  });

  it("an answer lost after the work is done is replayed on retry, never billed twice", async () => {
    const { fake, stripe } = await start();
    const customer = fake.addCustomer({ email: "ada@example.com" });
    fake.failNext({ lostAnswer: true });

    const event = await stripe.billing.meterEvents.create(hourly(customer.id, "ccc:x:1"));

    expect(event.identifier).toBe("ccc:x:1");
    expect(fake.requests).toHaveLength(2);
    expect(fake.meterEvents()).toHaveLength(1);
  });

  it("a connection reset before any work is retried by the library even without retries", async () => {
    const { fake } = await start();
    const customer = fake.addCustomer({ email: "ada@example.com" });
    fake.failNext({ reset: true });

    await client(fake, { maxNetworkRetries: 0 }).billing.meterEvents.create(hourly(customer.id, "ccc:x:1"));

    expect(fake.requests).toHaveLength(2);
    expect(fake.meterEvents()).toHaveLength(1);
  });

  it("a server that is down is a connection error, and it answers again once up", async () => {
    const { fake } = await start();
    const stripe = client(fake, { maxNetworkRetries: 0 });
    await fake.down();
    const error = await failure(stripe.customers.search({ query: "email:'ada@example.com'" }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);

    await fake.up();
    expect((await stripe.customers.search({ query: "email:'ada@example.com'" })).data).toEqual([]);
  });
});
