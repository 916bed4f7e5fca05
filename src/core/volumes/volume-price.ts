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
