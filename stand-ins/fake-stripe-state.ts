// Customers and billing meter events of the fake Stripe, validated the way the API does for the
// calls ccc makes. Where Stripe checks something only later (asynchronously), the fake checks it
// at once and says so below, so a mistake in ccc shows up in a test instead of an error report.
import { randomBytes } from "node:crypto";
import {
  type Form,
  hashField,
  invalid,
  missingParam,
  onlyParams,
  StripeApiError,
  stringField,
} from "./fake-stripe-errors.ts";

const DAY_MS = 86_400_000;

export interface FakeCustomer {
  id: string;
  object: "customer";
  address: null;
  balance: number;
  created: number;
  currency: null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: {
    custom_fields: null;
    default_payment_method: null;
    footer: null;
    rendering_options: null;
  };
  livemode: false;
  metadata: Record<string, string>;
  name: string | null;
  next_invoice_sequence: number;
  phone: null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: "none";
  test_clock: null;
}

/** A meter event the fake accepted. */
export interface AcceptedMeterEvent {
  eventName: string;
  customer: string;
  /** The payload's value, as sent. */
  value: string;
  identifier: string;
  /** Seconds since the epoch, as Stripe keeps it. */
  timestamp: number;
  /** When the fake accepted it (its own clock, ms). */
  receivedAt: number;
}

export class FakeStripeState {
  readonly customers = new Map<string, FakeCustomer>();
  readonly meterEvents: AcceptedMeterEvent[] = [];
  /** Customers not yet visible to search (Stripe indexes writes within about a minute). */
  readonly unindexed = new Set<string>();

  constructor(
    readonly meters: readonly string[],
    readonly now: () => number,
    readonly searchLag: boolean,
  ) {}

  addCustomer(fields: {
    email?: string | null;
    name?: string | null;
    metadata?: Record<string, string>;
  }): FakeCustomer {
    const customer: FakeCustomer = {
      id: `cus_${randomId(14)}`,
      object: "customer",
      address: null,
      balance: 0,
      created: Math.floor(this.now() / 1000),
      currency: null,
      default_source: null,
      delinquent: false,
      description: null,
      email: fields.email ?? null,
      invoice_prefix: randomId(8).toUpperCase(),
      invoice_settings: {
        custom_fields: null,
        default_payment_method: null,
        footer: null,
        rendering_options: null,
      },
      livemode: false,
      metadata: fields.metadata ?? {},
      name: fields.name ?? null,
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: "none",
      test_clock: null,
    };
    this.customers.set(customer.id, customer);
    if (this.searchLag) this.unindexed.add(customer.id);
    return customer;
  }

  createCustomer(form: Form): FakeCustomer {
    onlyParams(form, ["email", "name", "metadata"]);
    const email = emptyToNull(stringField(form, "email"));
    const name = emptyToNull(stringField(form, "name"));
    const metadata = hashField(form, "metadata") ?? {};
    if (email !== null) {
      if (email.length > 512)
        throw invalid("Invalid email address: too long", { code: "email_invalid", param: "email" });
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
        throw invalid(`Invalid email address: ${email}`, { code: "email_invalid", param: "email" });
      }
    }
    if (name !== null && name.length > 256) {
      throw invalid("Invalid string: must be at most 256 characters", {
        code: "string_length_exceeds_maximum",
        param: "name",
      });
    }
    checkMetadata(metadata);
    return this.addCustomer({ email, name, metadata });
  }

  getCustomer(id: string): FakeCustomer {
    const customer = this.customers.get(id);
    if (!customer) throw noSuchCustomer(id, "id");
    return customer;
  }

  /** Stripe's search query language, only as far as `email:'…'` (or `email:"…"`) goes. */
  searchCustomers(form: Form): {
    object: "search_result";
    url: string;
    has_more: false;
    next_page: null;
    data: FakeCustomer[];
  } {
    onlyParams(form, ["query", "limit", "page"]);
    const query = stringField(form, "query");
    if (query === undefined) throw missingParam("query");
    if (stringField(form, "page") !== undefined)
      throw invalid("Invalid page: the fake holds one page only", { param: "page" });
    const limitText = stringField(form, "limit");
    const limit = limitText === undefined ? 10 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw invalid("Invalid integer: limit must be between 1 and 100", {
        code: "parameter_invalid_integer",
        param: "limit",
      });
    }
    const email = parseEmailQuery(query);
    const data = [...this.customers.values()]
      .filter((c) => !this.unindexed.has(c.id) && c.email?.toLowerCase() === email.toLowerCase())
      .sort((a, b) => b.created - a.created)
      .slice(0, limit);
    return { object: "search_result", url: "/v1/customers/search", has_more: false, next_page: null, data };
  }

  createMeterEvent(form: Form): Record<string, unknown> {
    onlyParams(form, ["event_name", "payload", "identifier", "timestamp"]);
    const eventName = stringField(form, "event_name");
    if (!eventName) throw missingParam("event_name");
    const payload = hashField(form, "payload");
    if (!payload) throw missingParam("payload");
    if (!this.meters.includes(eventName)) {
      throw invalid(`No active meter found for event_name '${eventName}'.`, { param: "event_name" });
    }
    const customer = payload.stripe_customer_id;
    if (!customer) throw missingParam("payload[stripe_customer_id]");
    const value = payload.value;
    if (value === undefined) throw missingParam("payload[value]");
    const unknownKey = Object.keys(payload).find((k) => k !== "stripe_customer_id" && k !== "value");
    if (unknownKey)
      throw invalid(`Invalid payload: unexpected key ${unknownKey}`, { param: `payload[${unknownKey}]` });
    // Stripe reports an unknown customer later (meter_event_customer_not_found); refused at once here.
    if (!this.customers.has(customer)) throw noSuchCustomer(customer, "payload[stripe_customer_id]", 400);
    if (!/^[1-9]\d*$/.test(value)) {
      throw invalid(`Invalid payload[value]: must be a positive whole number, got '${value}'`, {
        param: "payload[value]",
      });
    }
    const now = this.now();
    const timestamp = this.timestamp(stringField(form, "timestamp"), now);
    const identifier = stringField(form, "identifier") ?? `ev_${randomId(20)}`;
    if (identifier.length === 0 || identifier.length > 100) {
      throw invalid("Invalid identifier: must be between 1 and 100 characters", { param: "identifier" });
    }
    if (this.meterEvents.some((e) => e.identifier === identifier && now - e.receivedAt < DAY_MS)) {
      // Stripe refuses a repeat outright and marks it as not worth retrying.
      throw new StripeApiError(
        400,
        "invalid_request_error",
        `An event already exists with identifier ${identifier}.`,
        {
          headers: { "Stripe-Should-Retry": "false" },
        },
      );
    }
    this.meterEvents.push({ eventName, customer, value, identifier, timestamp, receivedAt: now });
    return {
      object: "billing.meter_event",
      created: Math.floor(now / 1000),
      event_name: eventName,
      identifier,
      livemode: false,
      payload: { stripe_customer_id: customer, value },
      timestamp,
    };
  }

  private timestamp(text: string | undefined, now: number): number {
    if (text === undefined) return Math.floor(now / 1000);
    if (!/^\d+$/.test(text)) {
      throw invalid(`Invalid integer: ${text}`, { code: "parameter_invalid_integer", param: "timestamp" });
    }
    const seconds = Number(text);
    if (seconds * 1000 < now - 35 * DAY_MS) {
      throw invalid("Timestamp must be within the past 35 calendar days.", { param: "timestamp" });
    }
    if (seconds * 1000 > now + 5 * 60_000) {
      throw invalid("Timestamp must not be more than 5 minutes in the future.", { param: "timestamp" });
    }
    return seconds;
  }
}

function parseEmailQuery(query: string): string {
  const clause = /^\s*([a-z_]+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*$/.exec(query);
  if (!clause) {
    throw invalid(
      "We were unable to parse your search query. The fake understands a single email:'…' clause only.",
      { code: "search_query_invalid", param: "query" },
    );
  }
  const [, field, single, double] = clause;
  if (field !== "email") {
    throw invalid(
      `Field \`${field}\` is an unsupported search field for resource \`customers\` in the fake. It knows \`email\` only.`,
      { param: "query" },
    );
  }
  return (single ?? double ?? "").replace(/\\(.)/g, "$1");
}

function checkMetadata(metadata: Record<string, string>): void {
  const keys = Object.keys(metadata);
  if (keys.length > 50) throw invalid("Invalid metadata: at most 50 keys", { param: "metadata" });
  for (const key of keys) {
    if (key.length === 0 || key.length > 40) {
      throw invalid(`Invalid metadata: key '${key}' must be 1 to 40 characters`, {
        param: `metadata[${key}]`,
      });
    }
    if ((metadata[key] ?? "").length > 500) {
      throw invalid(`Invalid metadata: value of '${key}' must be at most 500 characters`, {
        param: `metadata[${key}]`,
      });
    }
  }
}

function noSuchCustomer(id: string, param: string, status = 404): StripeApiError {
  return new StripeApiError(status, "invalid_request_error", `No such customer: '${id}'`, {
    code: "resource_missing",
    param,
  });
}

function emptyToNull(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}

function randomId(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join("");
}
