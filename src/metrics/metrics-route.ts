import { createHash, timingSafeEqual } from "node:crypto";
import { HttpError } from "../http/http-error.ts";
import type { Route } from "../http/server.ts";
import type { PrometheusMetrics } from "./prometheus-metrics.ts";

export const METRICS_PATH = "/metrics";

/** `GET /metrics` in Prometheus' text format; with a token set, only for `Authorization: Bearer <token>`. */
export function metricsRoute(metrics: PrometheusMetrics, token: string | undefined): Route {
  return {
    method: "GET",
    path: METRICS_PATH,
    handle: async ({ req, res }) => {
      if (token && !bearerMatches(req.headers.authorization, token)) {
        res.setHeader("www-authenticate", 'Bearer realm="ccc metrics"');
        throw new HttpError(401, "a bearer token is required");
      }
      const { contentType, text } = await metrics.scrape();
      res.writeHead(200, { "content-type": contentType });
      res.end(text);
    },
  };
}

/** Compared as hashes: equal lengths for timingSafeEqual, and no early exit that times the token. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/i.exec(header ?? "");
  if (!match?.[1]) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(match[1].trim()), digest(token));
}
