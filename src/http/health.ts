import type { Store } from "../core/store/store.ts";
import type { Route } from "./server.ts";

export const HEALTH_PATH = "/healthz";

/** `GET /healthz`: 200 while the store answers, 503 otherwise. */
export function healthRoute(store: Store): Route {
  return {
    method: "GET",
    path: HEALTH_PATH,
    handle: ({ res }) => {
      let ok = false;
      try {
        ok = store.ping();
      } catch {
        ok = false;
      }
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok, store: ok ? "reachable" : "unreachable" }));
    },
  };
}
