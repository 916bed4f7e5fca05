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

// Prices change rarely; per cloud client, so each composed set of deps (a test's, a process's) has its own.
const PRICE_TTL_MS = 60 * 60_000;
const prices = new WeakMap<object, { at: number; perGb: string }>();

/** The price of one GB-month from the provider (cached an hour), or null when it cannot be had: it never blocks work. */
export async function volumePricePerGb(deps: CoreDeps): Promise<string | null> {
  const cached = prices.get(deps.cloud);
  if (cached && deps.clock.now().getTime() - cached.at < PRICE_TTL_MS) return cached.perGb;
  try {
    const perGb = (await deps.cloud.pricing.get()).volumePerGbMonth;
    prices.set(deps.cloud, { at: deps.clock.now().getTime(), perGb });
    return perGb;
  } catch (error) {
    deps.log.warn("volume price unknown", { reason: String(error) });
    return cached?.perGb ?? null;
  }
}

/** The last price fetched, without asking the provider (a Slack form must open at once); null before the first. */
export function cachedVolumePricePerGb(deps: CoreDeps): string | null {
  return prices.get(deps.cloud)?.perGb ?? null;
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
  options: { cachedPrice?: boolean } = {},
): Promise<VolumeOffer> {
  const existing = deps.store.workVolumes.open(owner, location);
  const size = existing?.hetznerId ? existing.sizeGb : sizeGb;
  const perGb = options.cachedPrice ? cachedVolumePricePerGb(deps) : await volumePricePerGb(deps);
  const cents = perGb === null ? null : volumeMonthlyCents(perGb, size);
  const price = cents === null ? `${size} GB volume` : volumePriceLine(size, cents);
  const line = existing?.hetznerId
    ? `your ${price} in ${location} (${existing.hetznerId}) is attached and mounted at /home/claude/work`
    : `a new ${price} in ${location} is made, attached and mounted at /home/claude/work`;
  return { sizeGb: size, existingId: existing?.hetznerId ?? null, monthlyCents: cents, line };
}
