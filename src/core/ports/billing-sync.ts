import type { BillingApi } from "./billing.ts";

/** Where a person's email is found when the machine does not carry one (Slack's `users.info`). */
export interface PersonDirectory {
  /** Null when there is none to be had (an operator name, an account without an email). */
  emailOf(person: string): Promise<string | null>;
}

/** Billing through Stripe, present only when STRIPE_SECRET_KEY is set. */
export interface BillingSync {
  api: BillingApi;
  directory: PersonDirectory;
}

export const noDirectory: PersonDirectory = { emailOf: async () => null };
