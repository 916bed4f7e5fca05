import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Store } from "../core/store/store.ts";

export const HEALTH_PATH = "/healthz";

/** 200 while the store answers, 503 otherwise. */
export function healthHandler(store: Store) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    let ok = false;
    try {
      ok = store.ping();
    } catch {
      ok = false;
    }
    res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok, store: ok ? "reachable" : "unreachable" }));
  };
}

/** In Socket Mode there is no HTTP receiver; this small server answers health checks on PORT. */
export function startHealthServer(store: Store, port: number, host?: string): Promise<Server> {
  const handle = healthHandler(store);
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === HEALTH_PATH) return handle(req, res);
    res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, ...(host ? { host } : {}) }, () => resolve(server));
  });
}
