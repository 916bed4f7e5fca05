import * as z from "zod";
import type { CloudPricing, PricingApi } from "../../core/ports/cloud.ts";
import type { HetznerHttp } from "./http.ts";

export type { CloudPricing } from "../../core/ports/cloud.ts";

const price = z.looseObject({ net: z.string(), gross: z.string() });

export const pricingResponse = z.looseObject({
  pricing: z.looseObject({
    currency: z.string(),
    vat_rate: z.string(),
    volume: z.looseObject({ price_per_gb_month: price }),
    image: z.looseObject({ price_per_gb_month: price }),
    server_types: z.array(
      z.looseObject({
        name: z.string(),
        prices: z.array(z.looseObject({ location: z.string(), price_hourly: price, price_monthly: price })),
      }),
    ),
    primary_ips: z
      .array(
        z.looseObject({
          type: z.enum(["ipv4", "ipv6"]),
          prices: z.array(z.looseObject({ location: z.string(), price_hourly: price, price_monthly: price })),
        }),
      )
      .optional(),
  }),
});

export function toCloudPricing(res: z.infer<typeof pricingResponse>): CloudPricing {
  const p = res.pricing;
  return {
    currency: p.currency,
    vatRate: p.vat_rate,
    volumePerGbMonth: p.volume.price_per_gb_month.gross,
    imagePerGbMonth: p.image.price_per_gb_month.gross,
    serverTypes: p.server_types.map((t) => ({
      name: t.name,
      prices: t.prices.map((l) => ({
        location: l.location,
        hourly: l.price_hourly.gross,
        monthly: l.price_monthly.gross,
      })),
    })),
    ...(p.primary_ips
      ? {
          primaryIps: p.primary_ips.map((t) => ({
            type: t.type,
            prices: t.prices.map((l) => ({
              location: l.location,
              hourly: l.price_hourly.gross,
              monthly: l.price_monthly.gross,
            })),
          })),
        }
      : {}),
  };
}

/** `GET /pricing`, over the client's HTTP layer. */
export class HetznerPricing implements PricingApi {
  constructor(private readonly http: HetznerHttp) {}

  async get(signal?: AbortSignal): Promise<CloudPricing> {
    return toCloudPricing(await this.http.request("GET", "/pricing", pricingResponse, { signal }));
  }
}
