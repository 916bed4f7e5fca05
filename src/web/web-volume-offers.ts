import { volumeOffer, volumePricePerGb } from "../core/volumes/volume-price.ts";
import { volumePolicy } from "../core/volumes/work-volume.ts";
import { within } from "../core/within.ts";
import type { WebContext } from "./web-context.ts";

/**
 * "Keep my work" priced for each offered location (a person's volume lives in one location, so
 * what the box gives depends on the one chosen). The price is asked for once and cached; a slow
 * price list shows the size without a price rather than holding up the page.
 */
export async function keepWorkOffers(
  ctx: WebContext,
  user: string,
  locations: readonly string[],
): Promise<{ location: string; line: string }[]> {
  const { deps } = ctx.bot;
  await within(volumePricePerGb(deps), ctx.bot.catalogWaitMs);
  const sizeGb = volumePolicy(deps).defaultGb;
  return Promise.all(
    locations.map(async (location) => ({
      location,
      line: (await volumeOffer(deps, user, location, sizeGb, { cachedPrice: true })).line,
    })),
  );
}
