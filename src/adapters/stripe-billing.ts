import { createHash } from "node:crypto";
import Stripe from "stripe";
import { ExternalError, UserError } from "../core/errors.ts";
import type { BillingApi, BillingPerson, UsageHour, UsageResult } from "../core/ports/billing.ts";

export const DEFAULT_METER_EVENT = "ccc_usage_cents";

export interface StripeBillingOptions {
  /** STRIPE_SECRET_KEY: a secret (`sk_…`) or restricted (`rk_…`) key. */
  secretKey: string;
  /** A STRIPE_API_URL-style origin (`http://127.0.0.1:12111`); Stripe's own API when absent. */
  apiUrl?: string;
  /** CCC_STRIPE_METER_EVENT: the meter's event name. */
  meterEventName?: string;
  /** The library's retries on connection errors, 409, 5xx and lock timeouts (default 2). */
  maxNetworkRetries?: number;
  /** Per request (default 10 s; the library's own default is 80 s, too long to hold a tick). */
  timeoutMs?: number;
}

/** The `stripe` library's host, port and protocol for a STRIPE_API_URL-style origin. */
export function stripeConnection(apiUrl: string): { host: string; port: number; protocol: "http" | "https" } {
  const refuse = (why: string) =>
    new UserError(`STRIPE_API_URL ${why}, like https://api.stripe.com or http://127.0.0.1:12111`, {
      code: "invalid_setting",
      field: "STRIPE_API_URL",
    });
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw refuse(`must be a URL, got ${JSON.stringify(apiUrl)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw refuse("must start with http:// or https://");
  // The library always asks for /v1/…, so a base path would be silently dropped.
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
    throw refuse(`must be only scheme, host and port (got ${apiUrl})`);
  }
  const protocol = url.protocol === "http:" ? "http" : "https";
  const port = url.port ? Number(url.port) : protocol === "http" ? 80 : 443;
  return { host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port, protocol };
}

/** Stripe customers found by email, and one meter event per billed hour, through the official library. */
export class StripeBilling implements BillingApi {
  private readonly stripe: Stripe;
  private readonly eventName: string;

  constructor(options: StripeBillingOptions) {
    if (!/^(sk|rk)_(test|live)_\S+$/.test(options.secretKey)) {
      throw new UserError(
        "STRIPE_SECRET_KEY must be a secret key (sk_live_…, sk_test_…) or a restricted key (rk_…)",
        {
          code: "invalid_setting",
          field: "STRIPE_SECRET_KEY",
        },
      );
    }
    this.eventName = options.meterEventName ?? DEFAULT_METER_EVENT;
    this.stripe = new Stripe(options.secretKey, {
      ...(options.apiUrl ? stripeConnection(options.apiUrl) : {}),
      maxNetworkRetries: options.maxNetworkRetries ?? 2,
      timeout: options.timeoutMs ?? 10_000,
      telemetry: false,
      appInfo: { name: "ccc" },
    });
  }

  async findOrCreateCustomer(person: BillingPerson): Promise<{ id: string; created: boolean }> {
    const email = normaliseEmail(person.email);
    const found = await this.call(() =>
      this.stripe.customers.search({ query: `email:'${email.replaceAll("'", "\\'")}'`, limit: 10 }),
    );
    // Duplicates can exist (made by hand, or during search lag); the oldest is the one to keep.
    const existing = [...found.data].sort((a, b) => a.created - b.created)[0];
    if (existing) return { id: existing.id, created: false };

    const params = {
      email,
      ...(person.name ? { name: person.name } : {}),
      ...(person.metadata ? { metadata: person.metadata } : {}),
    };
    // Search lags writes by up to a minute: a second call in that window would not find the first
    // customer. The same key for the same parameters makes Stripe answer with that customer
    // instead of creating another (for 24 hours, by which time search has caught up).
    const idempotencyKey = `ccc-customer-${createHash("sha256").update(JSON.stringify(params)).digest("hex").slice(0, 40)}`;
    const created = await this.call(() => this.stripe.customers.create(params, { idempotencyKey }));
    return { id: created.id, created: true };
  }

  async reportUsage(hour: UsageHour): Promise<UsageResult> {
    if (!Number.isSafeInteger(hour.cents) || hour.cents < 0) {
      throw new UserError(`usage must be a whole, non-negative number of cents, not ${hour.cents}`, {
        code: "invalid_usage",
      });
    }
    if (hour.cents === 0) return "nothing_to_bill";
    try {
      await this.stripe.billing.meterEvents.create({
        event_name: this.eventName,
        payload: { stripe_customer_id: hour.customerId, value: String(hour.cents) },
        identifier: hour.identifier,
        timestamp: Math.floor(hour.at.getTime() / 1000),
      });
      return "sent";
    } catch (error) {
      if (isDuplicateIdentifier(error, hour.identifier)) return "already_sent";
      throw toExternal(error);
    }
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toExternal(error);
    }
  }
}

function normaliseEmail(raw: string): string {
  // Stripe's search matches what was stored; one spelling per address keeps one customer per person.
  const email = raw.trim().toLowerCase();
  if (!/^[^\s@"\\]+@[^\s@"\\]+\.[^\s@"\\]+$/.test(email)) {
    throw new UserError(`${JSON.stringify(raw)} is not an email address Stripe can bill`, {
      code: "invalid_email",
      field: "email",
    });
  }
  return email;
}

/**
 * Stripe refuses a repeated identifier with a plain 400 whose only mark is its message (no error
 * code), so that message is read here, at the edge, and turned into a typed result.
 */
function isDuplicateIdentifier(error: unknown, identifier: string): boolean {
  return (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    error.statusCode === 400 &&
    error.message.startsWith(`An event already exists with identifier ${identifier}`)
  );
}

function toExternal(error: unknown): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  const options = { status: error.statusCode, cause: error };
  const E = Stripe.errors;
  if (error instanceof E.StripeAuthenticationError || error instanceof E.StripePermissionError) {
    return new ExternalError(
      "stripe",
      "stripe_auth",
      `Stripe refused STRIPE_SECRET_KEY: ${error.message}`,
      options,
    );
  }
  if (error instanceof E.StripeRateLimitError) {
    return new ExternalError(
      "stripe",
      "stripe_rate_limited",
      `Stripe is rate limiting ccc: ${error.message}`,
      options,
    );
  }
  if (error instanceof E.StripeConnectionError) {
    return new ExternalError(
      "stripe",
      "stripe_unreachable",
      `Stripe could not be reached: ${error.message}`,
      options,
    );
  }
  if (error instanceof E.StripeAPIError) {
    return new ExternalError("stripe", "stripe_unavailable", `Stripe failed: ${error.message}`, options);
  }
  return new ExternalError(
    "stripe",
    "stripe_refused",
    `Stripe refused the request: ${error.message}`,
    options,
  );
}
