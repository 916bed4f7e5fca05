import { billableHours } from "../billing/meter-identifier.ts";
import { type ServerPrice, serverTariff } from "../billing/price.ts";
import type { CoreDeps } from "../deps.ts";
import type { BillableInstance } from "../store/store.ts";

/** Stripe refuses meter events whose timestamp is more than 35 days old; a day's margin for clocks. */
export const STRIPE_WINDOW_MS = 34 * 86_400_000;

export interface PendingHour {
  instanceId: string;
  owner: string;
  identifier: string;
  cents: number;
  start: Date;
}

/** Something that cannot be billed until an operator steps in. */
export interface Stuck {
  /** The machine or the person it is about. */
  subject: string;
  reason: string;
}

export interface PendingUsage {
  hours: PendingHour[];
  stuck: Stuck[];
  /** The email each owner's machines carry (the CLI's `--email`), when one does. */
  emails: Map<string, string>;
}

/**
 * Every started machine-hour not yet recorded as sent, oldest first. Hours are priced at the price
 * the ledger stored when the machine was created (the one `usage` shows), so a price Hetzner changes
 * later never changes what is billed. Only a machine recorded before the ledger kept prices falls
 * back to the catalog's current price.
 */
export async function pendingUsage(deps: CoreDeps, now: Date): Promise<PendingUsage> {
  const oldest = now.getTime() - STRIPE_WINDOW_MS;
  const instances = deps.store.billing.billableInstances(oldest);
  const result: PendingUsage = { hours: [], stuck: [], emails: new Map() };
  let types: Awaited<ReturnType<CoreDeps["catalog"]["load"]>>["types"] | null = null;
  for (const instance of instances) {
    if (instance.ownerEmail && !result.emails.has(instance.owner)) {
      result.emails.set(instance.owner, instance.ownerEmail);
    }
    let price: Pick<ServerPrice, "hourly" | "monthly"> | undefined = deps.store.ledger.get(
      instance.id,
    )?.price;
    if (!price) {
      types ??= (await deps.catalog.load()).types;
      price = types
        .find((t) => t.name === instance.serverType)
        ?.prices.find((p) => p.location === instance.location);
    }
    if (!price) {
      result.stuck.push({
        subject: instance.id,
        reason: `Hetzner has no price for ${instance.serverType} in ${instance.location}`,
      });
      continue;
    }
    result.hours.push(...unsent(deps, instance, serverTariff(price), now, oldest));
  }
  return result;
}

function unsent(
  deps: CoreDeps,
  instance: BillableInstance,
  tariff: ReturnType<typeof serverTariff>,
  now: Date,
  oldest: number,
): PendingHour[] {
  const end = instance.to && instance.to.getTime() < now.getTime() ? instance.to : now;
  if (end.getTime() < instance.from.getTime()) return [];
  const sent = deps.store.billing.sentIdentifiers(instance.id);
  return billableHours(instance.id, tariff, instance.from, end)
    .filter((h) => !sent.has(h.identifier) && h.start.getTime() >= oldest)
    .map((h) => ({
      instanceId: instance.id,
      owner: instance.owner,
      identifier: h.identifier,
      cents: h.cents,
      start: h.start,
    }));
}
