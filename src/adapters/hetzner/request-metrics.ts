import type { Metrics } from "../../core/ports/metrics.ts";

/** One attempt at a Hetzner request, as the transport reports it to whoever counts. */
export interface HetznerExchange {
  method: string;
  /** The path as sent, ids and all (`/servers/42`), without the query. */
  path: string;
  /** `null` when no answer came (network error or timeout). */
  status: number | null;
  /** `RateLimit-Remaining` of the latest answer that carried it. */
  rateLimitRemaining: number | null;
}

/**
 * The path with its ids replaced, so each endpoint is one series however many servers there were:
 * `/servers/42/actions/poweroff` → `/servers/{id}/actions/{action}`, `/actions/7` → `/actions/{id}`.
 * Anything that is not a plain resource word counts as an id.
 */
export function endpointTemplate(path: string): string {
  const segments = path.split("?")[0]?.split("/") ?? [];
  return segments
    .map((segment, i) => {
      if (segment === "") return segment;
      if (segments[i - 1] === "actions" && i >= 3) return "{action}";
      return /^[a-z][a-z_]*$/.test(segment) ? segment : "{id}";
    })
    .join("/");
}

/** The transport hook the composition gives the Hetzner client: counts requests and keeps the rate limit. */
export function countHetznerRequests(metrics: Metrics): (exchange: HetznerExchange) => void {
  return ({ method, path, status, rateLimitRemaining }) => {
    metrics.hetznerRequest(method, endpointTemplate(path), status);
    if (rateLimitRemaining !== null) metrics.rateLimitRemaining(rateLimitRemaining);
  };
}
