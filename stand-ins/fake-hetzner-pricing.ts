// `GET /pricing` of the fake Hetzner API: the shape of the reference's `list_prices_response`, with
// the server types' prices taken from the fake's own server types so the two always agree.
import { type Json, LOCATIONS, money, type ServerTypeJson } from "./fake-hetzner-data.ts";
import type { Reply } from "./fake-hetzner-resources.ts";

/** Net € per GB and month (invented, in Hetzner's range). */
export const VOLUME_GB_MONTH_NET = 0.044;
export const IMAGE_GB_MONTH_NET = 0.011;

export function getPricing(serverTypes: ServerTypeJson[]): Reply {
  const perLocation = (monthly: number, hourly = false) =>
    LOCATIONS.map((l) => ({
      location: l.name,
      ...(hourly ? { price_hourly: money(monthly / 730) } : {}),
      price_monthly: money(monthly),
    }));
  const pricing: Json = {
    currency: "EUR",
    vat_rate: "19.00",
    image: { price_per_gb_month: money(IMAGE_GB_MONTH_NET) },
    volume: { price_per_gb_month: money(VOLUME_GB_MONTH_NET) },
    server_backup: { percentage: "20.00" },
    server_types: serverTypes.map((t) => ({ id: t.id, name: t.name, prices: t.prices })),
    floating_ip: { price_monthly: money(3) },
    floating_ips: [
      { type: "ipv4", prices: perLocation(3) },
      { type: "ipv6", prices: perLocation(1) },
    ],
    primary_ips: [
      { type: "ipv4", prices: perLocation(0.5, true) },
      { type: "ipv6", prices: perLocation(0, true) },
    ],
    load_balancer_types: [
      {
        id: 1,
        name: "lb11",
        prices: LOCATIONS.map((l) => ({
          location: l.name,
          price_hourly: money(5.39 / 730),
          price_monthly: money(5.39),
          included_traffic: 21990232555520,
          price_per_tb_traffic: money(1),
        })),
      },
    ],
  };
  return { status: 200, body: { pricing } };
}
