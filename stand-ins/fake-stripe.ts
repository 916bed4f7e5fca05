// A fake Stripe API on a real HTTP server (127.0.0.1:0), as strict as Stripe for the calls ccc
// makes, and driven through the real `stripe` library. No test-framework imports: bench/ may use it.
//
//   const stripe = await startFakeStripe();
//   new Stripe(stripe.secretKey, { host: stripe.host, port: stripe.port, protocol: "http" })
//   // or STRIPE_API_URL=stripe.url
//
// Routes: GET /v1/customers/search (query `email:'…'`), POST /v1/customers, GET /v1/customers/{id},
// POST /v1/billing/meter_events. Every request must carry `Authorization: Bearer <secretKey>` (401
// otherwise, in Stripe's shape) and a `Stripe-Version`; every POST a form-encoded body. A request
// the real library would never send — an unknown route, a missing Stripe-Version, a JSON body — is
// answered as Stripe would AND listed in `failures`, which a test checks is empty. POSTs honour
// `Idempotency-Key` for 24 hours: the same key and parameters replay the first answer (with
// `Idempotent-Replayed: true`); other parameters get a 400 idempotency_error. Only successful
// answers are kept, as Stripe keeps no result for a request that failed validation.
// `failNext` injects faults: 429 rate limits (not retried by the library) or lock timeouts
// (`Stripe-Should-Retry: true`, retried), 5xx, a reset connection, or an answer lost after the
// work was done. `down()`/`up()` stop and restart the server on the same port.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeForm, type Form, invalid, StripeApiError } from "./fake-stripe-errors.ts";
import { type StripeFault, type StripeRequestMatcher, send, sendFault } from "./fake-stripe-faults.ts";
import { type AcceptedMeterEvent, type FakeCustomer, FakeStripeState } from "./fake-stripe-state.ts";
import { FaultQueue } from "./fault-queue.ts";

export type { StripeFault, StripeRequestMatcher } from "./fake-stripe-faults.ts";
export type { AcceptedMeterEvent, FakeCustomer } from "./fake-stripe-state.ts";

export interface FakeStripeOptions {
  /** The one key accepted; must be a test secret key (default `sk_test_fake…`). */
  secretKey?: string;
  /** Event names of the account's active meters (default `ccc_usage_cents`). */
  meters?: string[];
  /** The fake's clock (ms) for timestamps and its 24-hour windows; default `Date.now`. */
  now?: () => number;
  /** New customers stay out of search until `indexForSearch()`, as Stripe's search lags writes. */
  searchLag?: boolean;
}

export interface RecordedStripeRequest {
  method: string;
  path: string;
  /** Decoded query string (GET) or form body (POST); null when it did not decode. */
  params: Form | null;
  headers: IncomingHttpHeaders;
}

export interface FakeStripe {
  /** For STRIPE_API_URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  host: string;
  port: number;
  secretKey: string;
  requests: RecordedStripeRequest[];
  /** Requests no correct client would send; a test expects this to stay empty. */
  failures: string[];
  customers(): FakeCustomer[];
  meterEvents(): AcceptedMeterEvent[];
  /** Stores a customer as if created earlier (and already searchable). */
  addCustomer(fields: { email?: string; name?: string; metadata?: Record<string, string> }): FakeCustomer;
  /** Makes every customer searchable (with `searchLag`). */
  indexForSearch(): void;
  /** The next `times` requests matching `matcher` get `fault`. */
  failNext(fault: StripeFault, times?: number, matcher?: StripeRequestMatcher): void;
  /** Stops listening and drops open connections: the client gets ECONNREFUSED. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

type Route = (form: Form, id: string) => unknown;

interface SavedAnswer {
  endpoint: string;
  fingerprint: string;
  body: unknown;
  requestId: string;
  at: number;
}

const DAY_MS = 86_400_000;

export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  const secretKey = options.secretKey ?? `sk_test_fake${randomHex(12)}`;
  if (!secretKey.startsWith("sk_test_")) throw new Error("the fake Stripe takes test secret keys only");
  const now = options.now ?? Date.now;
  const state = new FakeStripeState(options.meters ?? ["ccc_usage_cents"], now, options.searchLag === true);
  const requests: RecordedStripeRequest[] = [];
  const failures: string[] = [];
  const faults = new FaultQueue<StripeFault>();
  const saved = new Map<string, SavedAnswer>();

  const routes: [string, RegExp, Route][] = [
    ["GET", /^\/v1\/customers\/search$/, (form) => state.searchCustomers(form)],
    ["POST", /^\/v1\/customers$/, (form) => state.createCustomer(form)],
    ["GET", /^\/v1\/customers\/([^/]+)$/, (form, id) => retrieve(form, () => state.getCustomer(id))],
    ["POST", /^\/v1\/billing\/meter_events$/, (form) => state.createMeterEvent(form)],
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    const path = url.pathname;
    const raw = await readBody(req);
    const requestId = `req_${randomHex(7)}`;
    res.setHeader("Request-Id", requestId);
    const version = header(req, "stripe-version");
    if (version) res.setHeader("Stripe-Version", version);
    const recorded: RecordedStripeRequest = { method, path, params: null, headers: req.headers };
    requests.push(recorded);

    const fault = faults.take(method, path);
    if (fault && "reset" in fault) return void req.socket.destroy();
    if (fault && "status" in fault) return sendFault(res, fault);

    try {
      checkAuth(header(req, "authorization"), secretKey);
      const route = routes.find(([m, pattern]) => m === method && pattern.test(path));
      if (!route) {
        failures.push(`${method} ${path}: no such route`);
        throw new StripeApiError(
          404,
          "invalid_request_error",
          `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        );
      }
      if (!version) {
        failures.push(`${method} ${path}: no Stripe-Version header`);
        throw invalid("The fake requires a Stripe-Version header, which the stripe library always sends.");
      }
      const contentType = header(req, "content-type") ?? "";
      if (method === "POST" && !contentType.startsWith("application/x-www-form-urlencoded")) {
        failures.push(`${method} ${path}: Content-Type ${contentType || "(none)"}`);
        throw invalid(
          `Invalid request: unsupported Content-Type ${contentType || "(none)"}. If error persists and you need assistance, please contact support@stripe.com.`,
        );
      }
      const form = decodeForm(method === "POST" ? raw : url.search.slice(1));
      recorded.params = form;

      const key = method === "POST" ? header(req, "idempotency-key") : undefined;
      const endpoint = `${method} ${path}`;
      const fingerprint = JSON.stringify(sortKeys(form));
      if (key !== undefined) {
        res.setHeader("Idempotency-Key", key);
        const earlier = replayable(saved, key, now());
        if (earlier) {
          if (earlier.endpoint !== endpoint || earlier.fingerprint !== fingerprint)
            throw idempotencyMismatch(key, earlier, endpoint);
          res.setHeader("Idempotent-Replayed", "true");
          res.setHeader("Original-Request", earlier.requestId);
          return send(res, 200, earlier.body);
        }
      }
      const [, pattern, run] = route;
      const id = decodeURIComponent(pattern.exec(path)?.[1] ?? "");
      const body = run(form, id);
      // A snapshot: Stripe replays the answer as it was, not the object as it is now.
      if (key !== undefined)
        saved.set(key, { endpoint, fingerprint, body: structuredClone(body), requestId, at: now() });
      if (fault && "lostAnswer" in fault) return void req.socket.destroy();
      send(res, 200, body);
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      for (const [name, value] of Object.entries(error.extra.headers ?? {})) res.setHeader(name, value);
      send(res, error.status, error.body());
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      failures.push(`the fake itself failed: ${String(error)}`);
      send(res, 500, { error: { type: "api_error", message: String(error) } });
    });
  });
  await listen(server, 0);
  const { port } = server.address() as AddressInfo;
  let listening = true;

  const stop = async () => {
    if (!listening) return;
    listening = false;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    url: `http://127.0.0.1:${port}`,
    host: "127.0.0.1",
    port,
    secretKey,
    requests,
    failures,
    customers: () => [...state.customers.values()],
    meterEvents: () => [...state.meterEvents],
    addCustomer: (fields) => {
      const customer = state.addCustomer(fields);
      state.unindexed.delete(customer.id);
      return customer;
    },
    indexForSearch: () => state.unindexed.clear(),
    failNext: (fault, times = 1, matcher = {}) => faults.add(fault, times, matcher),
    down: stop,
    up: async () => {
      if (listening) return;
      await listen(server, port);
      listening = true;
    },
    close: stop,
  };
}

function checkAuth(authorization: string | undefined, secretKey: string): void {
  const unauthorized = (message: string) =>
    new StripeApiError(401, "invalid_request_error", message, {
      headers: { "WWW-Authenticate": 'Basic realm="Stripe"' },
    });
  if (!authorization) {
    throw unauthorized(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  const key = /^Bearer (.*)$/.exec(authorization)?.[1];
  if (key !== secretKey) throw unauthorized(`Invalid API Key provided: ${redact(key ?? authorization)}`);
}

function redact(key: string): string {
  return key.length <= 12
    ? "*".repeat(key.length)
    : `${key.slice(0, 8)}${"*".repeat(key.length - 12)}${key.slice(-4)}`;
}

function retrieve(form: Form, get: () => FakeCustomer): FakeCustomer {
  const extra = Object.keys(form)[0];
  if (extra !== undefined)
    throw invalid(`Received unknown parameter: ${extra}`, { code: "parameter_unknown", param: extra });
  return get();
}

function replayable(saved: Map<string, SavedAnswer>, key: string, at: number): SavedAnswer | undefined {
  const earlier = saved.get(key);
  if (earlier && at - earlier.at >= DAY_MS) saved.delete(key);
  return saved.get(key);
}

function idempotencyMismatch(key: string, earlier: SavedAnswer, endpoint: string): StripeApiError {
  const rule =
    earlier.endpoint === endpoint
      ? "can only be used with the same parameters they were first used with"
      : `can only be used for the same endpoint they were first used for ('${earlier.endpoint}')`;
  return new StripeApiError(
    400,
    "idempotency_error",
    `Keys for idempotent requests ${rule}. Try using a key other than '${key}' if you meant to execute a different request.`,
  );
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sortKeys(form: Form): unknown {
  return Object.fromEntries(
    Object.entries(form)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, typeof v === "string" ? v : Object.fromEntries(Object.entries(v).sort())]),
  );
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<void> {
  return new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}
