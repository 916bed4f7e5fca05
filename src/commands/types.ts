import { z } from "zod";
import type { Offer } from "../core/cloud/catalog.ts";
import type { CommandContext } from "./context.ts";
import { textTable } from "./instance-view.ts";

export const typesInput = z.object({ location: z.string().optional() });

/** Server types a user may pick, with prices, in one location or all. */
export function types(ctx: CommandContext, input: z.infer<typeof typesInput>): Promise<Offer[]> {
  const { location } = typesInput.parse(input);
  return ctx.deps.catalog.offers(location?.trim() || undefined);
}

/** "€0.0080" from Hetzner's decimal string, without float noise. */
export function euro(decimal: string, digits = 4): string {
  return `€${Number(decimal).toFixed(digits)}`;
}

export function offerJson(o: Offer) {
  return {
    name: o.type.name,
    location: o.location,
    cores: o.type.cores,
    memoryGb: o.type.memoryGb,
    diskGb: o.type.diskGb,
    architecture: o.type.architecture,
    priceHourly: o.hourly,
    priceMonthly: o.monthly,
  };
}

export function typesText(offers: Offer[]): string {
  if (offers.length === 0) return "No server types available.";
  return textTable(
    ["TYPE", "LOCATION", "CPU", "RAM", "DISK", "ARCH", "€/HOUR", "€/MONTH"],
    offers.map((o) => [
      o.type.name,
      o.location,
      String(o.type.cores),
      `${o.type.memoryGb} GB`,
      `${o.type.diskGb} GB`,
      o.type.architecture,
      euro(o.hourly),
      euro(o.monthly, 2),
    ]),
  );
}
