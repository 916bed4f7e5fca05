import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../core/ports/logger.ts";
import { HttpError } from "./http-error.ts";
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from "./limits.ts";
import { readBody } from "./read-body.ts";
import { routeTable } from "./route-table.ts";

/** One request as a route sees it. */
export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** The whole body, never more than the route's or the server's limit (beyond it: an `HttpError` 413). */
  body(): Promise<Buffer>;
  /** The values of the route's `:name` segments, decoded. */
  params: Record<string, string>;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /**
   * Matched without the query string: exactly, except that a `:name` segment matches any one
   * non-empty segment (`/api/v1/instances/:id`).
   */
  path: string;
  /** A smaller body limit than the server's, for this route. */
  bodyLimitBytes?: number;
  /** May throw an `HttpError` to answer with its status. */
  handle(request: RouteRequest): void | Promise<void>;
}

export interface HttpServer {
  port: number;
  /** Stops listening and drops every connection, finished or not. */
  close(): Promise<void>;
}

export interface HttpServerOptions {
  port: number;
  /** Interface to listen on; all by default. */
  host?: string | undefined;
  routes: readonly Route[];
  limits?: Partial<HttpLimits> | undefined;
  log: Logger;
  /**
   * Told of each answered request: the matched route's template (or `unmatched`), the method, the
   * status and the seconds from arrival to the answer's end (the bot counts them for /metrics).
   */
  observe?: ((route: string, method: string, status: number, seconds: number) => void) | undefined;
  /** How a refusal under some path is worded (the API's are JSON); plain text when this says nothing. */
  errorBody?:
    | ((path: string, error: HttpError) => { contentType: string; body: string } | undefined)
    | undefined;
}

/** The bot's one HTTP server: a route table behind limits no client can talk its way past. */
export function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const { log } = options;
  const table = routeTable(options.routes);
  const server = createServer({ connectionsCheckingInterval: limits.checkIntervalMs }, (req, res) => {
    void serve(req, res);
  });
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  let dropped = 0;
  server.on("drop", () => {
    // Once, then every thousandth: a flood must not become a flood of log lines too.
    if (dropped++ % 1000 === 0)
      log.warn("connection refused: too many open", { dropped, max: limits.maxConnections });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    let routeLabel = "unmatched";
    if (options.observe) {
      const observe = options.observe;
      const started = performance.now();
      res.once("close", () =>
        observe(routeLabel, req.method ?? "", res.statusCode, (performance.now() - started) / 1000),
      );
    }
    try {
      if (Number(req.headers["content-length"] ?? 0) > limits.bodyLimitBytes) {
        throw new HttpError(413, "request body too large");
      }
      const candidates = table.match(path ?? "/");
      if (candidates.length === 0) throw new HttpError(404, "not found");
      routeLabel = candidates[0]?.route.path ?? routeLabel;
      const found = candidates.find((c) => c.route.method === req.method);
      if (!found) {
        res.setHeader("allow", candidates.map((c) => c.route.method).join(", "));
        throw new HttpError(405, "method not allowed");
      }
      const { route, params } = found;
      const bodyLimit = Math.min(route.bodyLimitBytes ?? Infinity, limits.bodyLimitBytes);
      if (Number(req.headers["content-length"] ?? 0) > bodyLimit) {
        throw new HttpError(413, "request body too large");
      }
      await route.handle({ req, res, params, body: () => readBody(req, bodyLimit) });
    } catch (error) {
      const refusal = error instanceof HttpError ? error : new HttpError(500, "internal error");
      if (!(error instanceof HttpError)) log.error("HTTP handler failed", { path, error: String(error) });
      refuse(req, res, refusal, options.errorBody?.(path ?? "/", refusal));
    }
  }

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: options.port, ...(options.host ? { host: options.host } : {}) }, () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** How long a refused client may go on sending (dropped unread) before its connection is cut. */
const LINGER_MS = 1_000;

/**
 * Answers and closes the connection, so an unread body is never buffered. The answer is followed by
 * a FIN, not an immediate reset: a reset while the client is still sending can destroy the answer
 * before the client reads it. What it sends meanwhile is dropped; after a second the socket goes.
 */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  error: HttpError,
  worded?: { contentType: string; body: string },
): void {
  if (res.headersSent || res.destroyed || req.socket.destroyed) {
    req.socket.destroy();
    return;
  }
  res.on("finish", () => {
    const socket = req.socket;
    socket.end();
    req.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
  const { contentType, body } = worded ?? {
    contentType: "text/plain; charset=utf-8",
    body: `${error.message}\n`,
  };
  res.writeHead(error.status, { ...error.headers, "content-type": contentType, connection: "close" });
  res.end(body);
}
