import type { BillingApi, BillingPerson, UsageHour, UsageResult } from "../core/ports/billing.ts";
import type { StripeBillingOptions } from "./stripe-billing.ts";

/** The billing port over the Stripe library, loaded at its first call: most commands never bill. */
export class OnDemandBilling implements BillingApi {
  private client: Promise<BillingApi> | null = null;

  constructor(private readonly options: StripeBillingOptions) {}

  private load(): Promise<BillingApi> {
    this.client ??= import("./stripe-billing.ts").then(
      ({ StripeBilling }) => new StripeBilling(this.options),
    );
    return this.client;
  }

  async findOrCreateCustomer(person: BillingPerson): Promise<{ id: string; created: boolean }> {
    return (await this.load()).findOrCreateCustomer(person);
  }

  async reportUsage(hour: UsageHour): Promise<UsageResult> {
    return (await this.load()).reportUsage(hour);
  }
}
