import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import type { BillingSync } from "../ports/billing-sync.ts";
import { type PendingHour, pendingUsage, type Stuck } from "./pending-usage.ts";

/** One person's share of a sync. */
export interface PersonUsage {
  person: string;
  customerId: string | null;
  hours: number;
  cents: number;
}

export interface SyncReport {
  dryRun: boolean;
  people: PersonUsage[];
  /** Meter events Stripe took now. */
  sent: number;
  /** Meter events Stripe already held (a send whose record was lost): billed once, recorded now. */
  alreadySent: number;
  customersCreated: number;
  stuck: Stuck[];
}

/** The billing sync, or a clear refusal when Stripe billing is off. */
export function billingOf(deps: CoreDeps): BillingSync {
  if (!deps.billing) {
    throw new UserError("Stripe billing is off: set STRIPE_SECRET_KEY to turn it on.", {
      code: "billing_off",
    });
  }
  return deps.billing;
}

/**
 * Sends every pending machine-hour to Stripe as one meter event, recording each after Stripe took
 * it. A crash between the two is harmless: the next sync sends the same identifier, Stripe answers
 * that it holds it already, and the record is written then. A failure from Stripe stops the run
 * (what was recorded stays); the scheduler tries again with backoff. `dryRun` only shows.
 */
export async function syncBilling(deps: CoreDeps, options: { dryRun: boolean }): Promise<SyncReport> {
  const billing = billingOf(deps);
  const now = deps.clock.now();
  const pending = await pendingUsage(deps, now);
  const report: SyncReport = {
    dryRun: options.dryRun,
    people: [],
    sent: 0,
    alreadySent: 0,
    customersCreated: 0,
    stuck: [...pending.stuck],
  };
  for (const [person, hours] of byPerson(pending.hours)) {
    let customerId = deps.store.billing.customerOf(person);
    report.people.push({
      person,
      customerId,
      hours: hours.length,
      cents: hours.reduce((sum, h) => sum + h.cents, 0),
    });
    if (options.dryRun) continue;
    if (customerId === null) {
      const email = pending.emails.get(person) ?? (await billing.directory.emailOf(person));
      if (!email) {
        report.stuck.push({ subject: person, reason: "no email to find or create their Stripe customer by" });
        continue;
      }
      try {
        const customer = await billing.api.findOrCreateCustomer({ email, metadata: { ccc_person: person } });
        customerId = customer.id;
        if (customer.created) report.customersCreated += 1;
      } catch (error) {
        // A bad address is this person's problem alone; Stripe failing stops the run.
        if (!(error instanceof UserError)) throw error;
        report.stuck.push({ subject: person, reason: error.message });
        continue;
      }
      deps.store.billing.setCustomer(person, email, customerId, now);
      (report.people.at(-1) as PersonUsage).customerId = customerId;
    }
    for (const hour of hours) {
      const result = await billing.api.reportUsage({
        customerId,
        identifier: hour.identifier,
        cents: hour.cents,
        at: hour.start,
      });
      deps.store.billing.recordSent({
        identifier: hour.identifier,
        instanceId: hour.instanceId,
        customerId,
        cents: hour.cents,
        hourStart: hour.start,
        result,
        sentAt: deps.clock.now(),
      });
      if (result === "sent") report.sent += 1;
      if (result === "already_sent") report.alreadySent += 1;
    }
  }
  return report;
}

function byPerson(hours: PendingHour[]): Map<string, PendingHour[]> {
  const people = new Map<string, PendingHour[]>();
  for (const hour of hours) {
    const list = people.get(hour.owner) ?? [];
    list.push(hour);
    people.set(hour.owner, list);
  }
  return people;
}
