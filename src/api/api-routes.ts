import type { IncomingMessage, ServerResponse } from "node:http";
import type * as z from "zod";
import type { CommandContext } from "../commands/context.ts";
import type { CoreDeps } from "../core/deps.ts";
import { UserError } from "../core/errors.ts";
import { authenticate } from "../core/identity/api-tokens.ts";
import { type Identity, LOOKUP_FAILED, type Verdict } from "../core/identity/identity.ts";
import { normalizeInstanceId } from "../core/instances/instance-id.ts";
import type { Logger } from "../core/ports/logger.ts";
import { within } from "../core/within.ts";
import { finishUnattended } from "../doors/follow-work.ts";
import { HttpError } from "../http/http-error.ts";
import { REFUSAL_STATUS } from "../http/refusal-status.ts";
import type { Route, RouteRequest } from "../http/server.ts";
import { lookUpNames, ownersIn, withOwnerNames } from "../render/people.ts";
import { type ApiError, apiErrorOf, errorBody, httpCode } from "./api-error.ts";
import { ENDPOINTS, type Endpoint, rawInput } from "./endpoints.ts";
import { clientInput, openApiDocument } from "./openapi.ts";
import { RateLimiter } from "./rate-limiter.ts";

export const API_PREFIX = "/api/v1";
/** Nothing the API takes comes near this; a bigger body is a mistake or an attack. */
export const API_BODY_LIMIT_BYTES = 64 * 1024;
/** How long a request waits for Slack's record of a person it has not seen in 10 minutes. */
const LOOKUP_WAIT_MS = 5_000;

export interface ApiOptions {
  deps: CoreDeps;
  /** Who may act, and as an admin: the same check as every other door, on every request. */
  identity: Pick<Identity, "check"> & Partial<Pick<Identity, "nameOf">>;
  /** Per person, all their tokens together. */
  ratePerMinute: number;
  /** How long a verb may take before the client is told it goes on without them (504). */
  timeoutMs: number;
  /** Work that outlives its request; shutdown waits for it. */
  tasks: { run(name: string, work: () => Promise<void>): void; track<T>(work: () => Promise<T>): Promise<T> };
  /** Runs actions on one instance one after another, together with the Slack door's. */
  serial<T>(instanceId: string, work: () => Promise<T>): Promise<T>;
  log: Logger;
  /** Where clients reach ccc (CCC_PUBLIC_URL): the document's server. */
  publicUrl?: string | undefined;
  /** The routes; all of them unless a test serves others. */
  endpoints?: readonly Endpoint[];
}

/** `/api/v1`: one route per endpoint, and the OpenAPI document. */
export function apiRoutes(options: ApiOptions): Route[] {
  const now = () => options.deps.clock.now().getTime();
  const limiter = new RateLimiter(options.ratePerMinute, now);
  // Wrong tokens are counted per address, at the same rate: guessing costs a hash and a query each.
  const guesses = new RateLimiter(options.ratePerMinute, now);
  const endpoints = options.endpoints ?? ENDPOINTS;
  const document = JSON.stringify(openApiDocument(endpoints, { publicUrl: options.publicUrl }));
  return [
    {
      method: "GET",
      path: `${API_PREFIX}/openapi.json`,
      handle: ({ res }) => send(res, 200, document),
    },
    ...endpoints.map((endpoint): Route => {
      // The fields the document lets a client send, in the body or in the query string.
      const fields =
        endpoint.from === "none" ? new Set<string>() : new Set(Object.keys(clientInput(endpoint).shape));
      const takes = { fields, from: endpoint.from };
      return {
        method: endpoint.method,
        path: `${API_PREFIX}${endpoint.path}`,
        bodyLimitBytes: API_BODY_LIMIT_BYTES,
        handle: (request) => serve(options, { limiter, guesses }, endpoint, takes, request),
      };
    }),
  ];
}

/** The HTTP server's own refusals (unknown path, too large) in the API's shape, under its prefix. */
export function apiErrorBody(
  path: string,
  error: HttpError,
): { contentType: string; body: string } | undefined {
  if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) return undefined;
  return {
    contentType: "application/json",
    body: errorBody({ status: error.status, code: httpCode(error.status), message: error.message }),
  };
}

async function serve(
  options: ApiOptions,
  { limiter, guesses }: { limiter: RateLimiter; guesses: RateLimiter },
  endpoint: Endpoint,
  takes: Takes,
  { req, res, params, body }: RouteRequest,
): Promise<void> {
  // Refusals before the body is read go through the server, which closes the connection unread.
  const token = authenticate(options.deps, bearer(req));
  if (!token) {
    const wait = guesses.take(req.socket.remoteAddress ?? "");
    if (wait > 0) throw rateLimited(wait, "with wrong tokens from this address");
    throw new HttpError(401, "A valid token is needed: Authorization: Bearer ccc_…", {
      "www-authenticate": 'Bearer realm="ccc"',
    });
  }
  // Per person: making more tokens does not buy more requests.
  const wait = limiter.take(token.user);
  if (wait > 0) throw rateLimited(wait, "from your tokens");
  const verdict =
    (await within(
      options.identity.check({ userId: token.user, door: "token", teamId: null, enterpriseId: null }),
      LOOKUP_WAIT_MS,
    )) ?? LOOKUP_FAILED;
  if (!verdict.ok) throw refused(verdict, options.log, token.id);
  const actor = { id: token.user, isAdmin: verdict.isAdmin };
  // Read here, outside the answer's try: a body past the limit (413) goes through the server too.
  const sent = await body();
  const json = endpoint.from === "body" ? parseJson(sent) : {};
  const query = Object.fromEntries(new URL(req.url ?? "/", "http://ccc").searchParams);
  const ctx: CommandContext = { deps: options.deps, actor };
  const where = `${endpoint.method} ${endpoint.path}`;
  let answer: { status: number; json: unknown } | ApiError;
  try {
    if (endpoint.from !== "body") refuseBody(sent);
    refuseUnknown(endpoint, takes, json, "body");
    refuseUnknown(endpoint, takes, query, "query");
    const raw = rawInput(endpoint, { params, query, body: json, actor });
    const work = () => run(options, endpoint, ctx, raw);
    const id = params.id;
    const running = options.tasks.track(() =>
      endpoint.serialized && id ? options.serial(normalizeInstanceId(id), work) : work(),
    );
    answer = (await within(running, options.timeoutMs)) ?? {
      status: 504,
      code: "timeout",
      message: "This is taking long; it goes on, and GET /api/v1/instances/{id} shows how it ends.",
    };
  } catch (error) {
    answer = apiErrorOf(error, options.log, where);
  }
  if ("code" in answer) send(res, answer.status, errorBody(answer));
  else send(res, answer.status, JSON.stringify(answer.json));
}

/**
 * A field the document does not list is refused (422, naming it) before anything runs: a misspelt
 * `hours` must not make a machine with the default, and a field the API fills itself (`owner`, `user`
 * on `/me/…`) is not the client's to send.
 */
function refuseUnknown(
  endpoint: Endpoint,
  takes: Takes,
  given: Record<string, unknown>,
  where: "body" | "query",
): void {
  const known = takes.from === where ? [...takes.fields] : [];
  const unknown = Object.keys(given).find((key) => !known.includes(key));
  if (unknown === undefined) return;
  const what = where === "body" ? "field" : "query parameter";
  const path = `${API_PREFIX}${endpoint.path.replace(/:(\w+)/g, "{$1}")}`;
  throw new UserError(
    `${endpoint.method} ${path} does not know the ${what} "${unknown}"; ${known.length > 0 ? `it takes ${known.join(", ")}` : `it takes no ${what}s`}.`,
    { code: "unknown_field", field: unknown },
  );
}

/** What a route lets a client send: these fields, in the body or the query string (or nothing). */
interface Takes {
  fields: ReadonlySet<string>;
  from: Endpoint["from"];
}

/** A route that takes no body: an empty one, or `{}`, is no body; anything else is refused. */
function refuseBody(sent: Buffer): void {
  const text = sent.toString("utf8").trim();
  if (text === "" || text === "{}") return;
  throw new UserError("This route takes no body: send nothing, or the fields in the path and query string.", {
    code: "unknown_field",
  });
}

/**
 * The answer as its endpoint's schema (the one the document shows) parses it. An answer the schema
 * refuses is a bug in ccc, not the client's: it is logged as an error and still sent as it is, so
 * the client gets its machine's id. The tests fail on it (every answer they get is validated against
 * the served document).
 */
function conform(options: ApiOptions, endpoint: Endpoint, json: unknown): unknown {
  const parsed = (endpoint.response as z.ZodType).safeParse(json);
  if (parsed.success) return parsed.data;
  options.log.error("api answer off its documented schema", {
    where: `${endpoint.method} ${endpoint.path}`,
    issues: parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(answer)"}: ${i.message}`)
      .join("; "),
  });
  return json;
}

async function run(
  options: ApiOptions,
  endpoint: Endpoint,
  ctx: CommandContext,
  raw: unknown,
): Promise<{ status: number; json: unknown } | ApiError> {
  const viewer = { now: ctx.deps.clock.now(), actor: ctx.actor, sshPort: ctx.deps.timing.sshPort };
  if (endpoint.status === 202 && endpoint.verb.longRunning) {
    // Answer now (202 with what was recorded, which GET shows as it goes on), finish in the background.
    const started = await endpoint.verb.start(ctx, raw);
    finishUnattended(options.tasks, endpoint.verb.name, started);
    return {
      status: endpoint.status,
      json: conform(options, endpoint, await namedOwners(options, started.accepted.json(viewer))),
    };
  }
  const shown = await endpoint.verb.execute(ctx, raw);
  const json = shown.json(viewer);
  const conflict = endpoint.conflict?.(json, shown.text(viewer));
  return conflict
    ? { status: REFUSAL_STATUS[conflict.code], ...conflict }
    : { status: endpoint.status, json: conform(options, endpoint, await namedOwners(options, json)) };
}

/** The answer with `ownerName` beside each `owner`, from Slack's record (cached; a slow Slack gives null). */
async function namedOwners(options: ApiOptions, json: unknown): Promise<unknown> {
  const { nameOf } = options.identity;
  const ids = nameOf ? ownersIn(json) : [];
  const names =
    nameOf && ids.length > 0 ? await lookUpNames(ids, (id) => nameOf.call(options.identity, id)) : new Map();
  return withOwnerNames(json, names);
}

/** A token whose person Slack no longer lets in: 403; Slack not answering just now: 503, try again. */
function refused(verdict: Exclude<Verdict, { ok: true }>, log: Logger, tokenId: string): HttpError {
  log.warn("api request refused", { reason: verdict.reason, token: tokenId });
  return verdict.reason === "lookup_failed"
    ? new HttpError(503, verdict.message, { "retry-after": "30" })
    : new HttpError(403, verdict.message);
}

function rateLimited(wait: number, how: string): HttpError {
  return new HttpError(429, `Too many requests ${how}; try again in ${wait} s.`, {
    "retry-after": String(wait),
  });
}

function bearer(req: IncomingMessage): string {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? "";
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "The body is not JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "The body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    // Answers belong to one token's person: no cache keeps them.
    "cache-control": "no-store",
  });
  res.end(body);
}
