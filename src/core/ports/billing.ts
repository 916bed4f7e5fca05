/** A person to bill, as Slack (or the CLI's `--email`) knows them. */
export interface BillingPerson {
  email: string;
  name?: string;
  /** Kept on the customer, e.g. the Slack user id. */
  metadata?: Record<string, string>;
}

/** One started hour of one resource, priced in whole cents. */
export interface UsageHour {
  customerId: string;
  /** The meter event identifier: the same hour always carries the same one. */
  identifier: string;
  cents: number;
  /** When the hour started; Stripe files the usage under the billing period this falls in. */
  at: Date;
}

/**
 * `sent`: Stripe took it now. `already_sent`: Stripe holds this identifier already, so the hour is
 * billed once, not again. `nothing_to_bill`: a zero-cent hour, which is not sent at all.
 */
export type UsageResult = "sent" | "already_sent" | "nothing_to_bill";

/** Where usage is billed: Stripe's customers and billing meter events. */
export interface BillingApi {
  /** The customer for this email, created when there is none; the caller stores its id. */
  findOrCreateCustomer(person: BillingPerson): Promise<{ id: string; created: boolean }>;
  /** Reports one billable hour as one meter event. */
  reportUsage(hour: UsageHour): Promise<UsageResult>;
}
