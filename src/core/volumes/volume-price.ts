import { formatEuros, parseEuros, toCents } from "../billing/money.ts";
import type { CoreDeps } from "../deps.ts";

/** Cents per month for a volume of `sizeGb`, at the price list's gross price per GB-month. */
export function volumeMonthlyCents(perGbMonth: string, sizeGb: number): number {
  return toCents(parseEuros(perGbMonth) * BigInt(sizeGb));
}

/** "10 GB volume: €0.44/month" */
export function volumePriceLine(sizeGb: number, cents: number): string {
  return `${sizeGb} GB volume: ${formatEuros(cents)}/month`;
}

/** The price of one GB-month from the provider, or null when the price list cannot be had (it never blocks work). */
export async function volumePricePerGb(deps: CoreDeps): Promise<string | null> {
  try {
    return (await deps.cloud.pricing.get()).volumePerGbMonth;
  } catch (error) {
    deps.log.warn("volume price unknown", { reason: String(error) });
    return null;
  }
}

/** What "Keep my work" would give in a location, priced: shown before anything is made. */
export interface VolumeOffer {
  sizeGb: number;
  /** The person's volume there, when they have one. */
  existingId: number | null;
  /** Null when the price list could not be had. */
  monthlyCents: number | null;
  /** "10 GB volume: €0.44/month" (or without the price), with whether it is theirs already. */
  line: string;
}

export async function volumeOffer(
  deps: CoreDeps,
  owner: string,
  location: string,
  sizeGb: number,
): Promise<VolumeOffer> {
  const existing = deps.store.workVolumes.open(owner, location);
  const size = existing?.hetznerId ? existing.sizeGb : sizeGb;
  const perGb = await volumePricePerGb(deps);
  const cents = perGb === null ? null : volumeMonthlyCents(perGb, size);
  const price = cents === null ? `${size} GB volume` : volumePriceLine(size, cents);
  const line = existing?.hetznerId
    ? `your ${price} in ${location} (${existing.hetznerId}) is attached and mounted at /home/claude/work`
    : `a new ${price} in ${location} is made, attached and mounted at /home/claude/work`;
  return { sizeGb: size, existingId: existing?.hetznerId ?? null, monthlyCents: cents, line };
}
