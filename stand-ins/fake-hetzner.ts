// A fake Hetzner Cloud API on a real HTTP server (127.0.0.1:0), shaped after the reference OpenAPI
// description, for tests and benchmarks. No test-framework imports: bench/ uses it too.
//
//   const ssh = await startSshBanner();
//   const fake = await startFakeHetzner({ onServerRunning: (s) => ssh.open(s.public_net.ipv4.ip) });
//   const client = new HetznerClient({ endpoint: fake.url, token: fake.token, clock });
//
// Routes (fake-hetzner-routes.ts): servers, actions, server types, locations, SSH keys, volumes,
// images (snapshots by `create_image`), Primary IPs (fake-hetzner-primary-ips.ts) and pricing. A created server is `initializing` with a
// running `create_server` action; `actionDurationMs` later the action succeeds, the server is
// `running` and `onServerRunning(server)` is called (with `createActionError` the action fails
// instead and the server stays `off`). A deleted server stays listed as `deleting` (and `locked`)
// until its `delete_server` action ends, and a second DELETE meanwhile answers 423 `locked`, as the
// live API does. Every action runs for its command's duration (`actionDurations`, else
// `actionDurationMs`) on the fake's own timers; `settle()` ends running ones at once.
//
// Strict like the live API where it matters to ccc: invalid input answers 422 `invalid_input`, an
// unknown image is refused, a locked server answers 423. A request the fake has no route for
// answers 404 `unknown_route` (never `not_found`, which ccc reads as "already gone"), a wrong
// method 405 `method_not_allowed`; those and unknown query parameters or body fields are kept in
// `mistakes`, and `close()` fails while any are left untaken, so the test that caused them fails.
//
// Server IPv4s are distinct loopback addresses from 127.0.0.2 on, so a test can listen for SSH per
// server. `requests` records every request that reached the server (faulted ones too) with `path`
// relative to `url` (e.g. `/servers/1000`). Every response carries RateLimit-Limit/-Remaining/-Reset
// from a token bucket refilled at one request per second, and answers 429 `rate_limit_exceeded`
// when it is empty, like the real API.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Json, ServerTypeJson } from "./fake-hetzner-data.ts";
import type { FakePrimaryIp } from "./fake-hetzner-primary-ips.ts";
import {
  ApiError,
  type FakeImage,
  type FakeServer,
  type FakeSshKey,
  type FakeVolume,
  type Reply,
} from "./fake-hetzner-resources.ts";
import { matchRoute } from "./fake-hetzner-routes.ts";
import { addSshKey } from "./fake-hetzner-ssh-keys.ts";
import { type ActionError, FakeHetznerState } from "./fake-hetzner-state.ts";
import { FaultQueue, type RequestMatcher } from "./fault-queue.ts";

export type { FakePrimaryIp } from "./fake-hetzner-primary-ips.ts";
export type { FakeImage, FakeServer, FakeSshKey, FakeVolume } from "./fake-hetzner-resources.ts";

export interface FakeHetznerOptions {
  token?: string;
  /**
   * A second token with Read permission only: it reads like `token`, and every other method answers
   * 403 `forbidden` before the request is looked at, as the live API does for a read-only token.
   */
  readOnlyToken?: string;
  /** How long actions run (default 50 ms). */
  actionDurationMs?: number;
  /** How long actions of one command run, e.g. `{ delete_server: 60_000 }`; others take `actionDurationMs`. */
  actionDurations?: Record<string, number>;
  /** Makes every create action end in this error. */
  createActionError?: ActionError;
  /** Makes only the `start_server` action after each create end in this error (the server stays `off`). */
  startActionError?: ActionError;
  /** `image_size` of a finished snapshot, in GB (default 1.5). */
  snapshotSizeGb?: number;
  onServerRunning?: (server: FakeServer) => void;
  /** Requests per hour (default 3600, Hetzner's). */
  rateLimit?: number;
  /** Rewrites each server object on its way out, e.g. to add `datacenter` or unknown fields. */
  transformServer?: (server: Json) => Json;
}

export type { RequestMatcher } from "./fault-queue.ts";

export type Fault =
  | { status: number; code?: string; message?: string; body?: string; headers?: Record<string, string> }
  | { network: true }
  /** The request is carried out, but the connection drops before the answer: the client never hears. */
  | { lostAnswer: true }
  | { delayMs: number };

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface FakeHetzner {
  /** API base URL, e.g. `http://127.0.0.1:41234/v1`. */
  url: string;
  token: string;
  requests: RecordedRequest[];
  /** Requests the fake had no route, parameter or field for, in plain words. */
  readonly mistakes: readonly string[];
  /** Hands over the mistakes recorded so far (a test that makes them on purpose), so `close()` passes. */
  takeMistakes(): string[];
  /** Servers that exist and are not being deleted: what keeps running (and costing). */
  servers(): FakeServer[];
  /** Servers still listed by the API as `deleting`, their delete action not yet ended. */
  deletingServers(): FakeServer[];
  sshKeys(): FakeSshKey[];
  volumes(): FakeVolume[];
  /** Primary IPs: those made with servers (`auto_delete`) and those kept or made apart. */
  primaryIps(): FakePrimaryIp[];
  /** Every image, system images included. */
  images(): FakeImage[];
  /** Stores a key as if another client had uploaded it. */
  addSshKey(name: string, publicKey: string): FakeSshKey;
  /**
   * The next `times` requests matching `matcher` (its path relative to `url`, without the query) get
   * `fault` instead of (or, for delays, before) an answer.
   */
  failNext(matcher: RequestMatcher, fault: Fault, times?: number): void;
  /** The next `times` actions of `command` (e.g. `create_image`) end in `error`. */
  failNextAction(command: string, error: ActionError, times?: number): void;
  /** How long actions run from now on: all of them, or only those of `command`. */
  setActionDuration(ms: number, command?: string): void;
  setCreateActionError(error: ActionError | null): void;
  /** Ends the running actions (of `command`, or all) now instead of when their time is up. */
  settle(command?: string): void;
  /** The server types it offers, live: change a price here and the next catalog refresh sees it. */
  serverTypes(): ServerTypeJson[];
  /** Stops the server; rejects, after stopping it, when mistakes were recorded and not taken. */
  close(): Promise<void>;
}

export async function startFakeHetzner(options: FakeHetznerOptions = {}): Promise<FakeHetzner> {
  const token = options.token ?? "fake-hetzner-token";
  const state = new FakeHetznerState({
    actionDurationMs: options.actionDurationMs ?? 50,
    actionDurations: { ...options.actionDurations },
    createActionError: options.createActionError ?? null,
    startActionError: options.startActionError ?? null,
    onServerRunning: options.onServerRunning,
  });
  const requests: RecordedRequest[] = [];
  const mistakes: string[] = [];
  const snapshotSizeGb = options.snapshotSizeGb ?? 1.5;
  const faults = new FaultQueue<Fault>();
  const limit = options.rateLimit ?? 3600;
  const bucket = { tokens: limit, at: Date.now() };

  const takeToken = (): boolean => {
    const t = Date.now();
    bucket.tokens = Math.min(limit, bucket.tokens + ((t - bucket.at) / 3_600_000) * limit);
    bucket.at = t;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname.replace(/^\/v1(?=\/|$)/, "");
    const method = req.method ?? "GET";
    const raw = await readBody(req);
    let body: unknown = raw;
    let badJson = false;
    try {
      body = raw === "" ? undefined : JSON.parse(raw);
    } catch {
      badJson = true;
    }
    requests.push({ method, path, query: Object.fromEntries(url.searchParams), body });

    const allowed = takeToken();
    res.setHeader("RateLimit-Limit", String(limit));
    res.setHeader("RateLimit-Remaining", String(Math.floor(bucket.tokens)));
    res.setHeader(
      "RateLimit-Reset",
      String(Math.ceil(Date.now() / 1000 + ((limit - bucket.tokens) * 3600) / limit)),
    );

    const fault = faults.take(method, path);
    if (fault && "network" in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && "delayMs" in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault && "status" in fault) {
      for (const [k, v] of Object.entries(fault.headers ?? {})) res.setHeader(k, v);
      if (fault.body !== undefined) return void res.writeHead(fault.status).end(fault.body);
      const error = {
        code: fault.code ?? `http_${fault.status}`,
        message: fault.message ?? "fault",
        details: null,
      };
      return send(res, { status: fault.status, body: { error } });
    }

    try {
      const readOnly =
        options.readOnlyToken !== undefined &&
        req.headers.authorization === `Bearer ${options.readOnlyToken}`;
      if (req.headers.authorization !== `Bearer ${token}` && !readOnly) {
        throw new ApiError(401, "unauthorized", "unable to authenticate");
      }
      if (readOnly && method !== "GET") {
        throw new ApiError(403, "forbidden", "insufficient permissions for this request");
      }
      if (!allowed) throw new ApiError(429, "rate_limit_exceeded", "limit of 3600 requests per hour reached");
      if (badJson) throw new ApiError(400, "json_error", "invalid JSON input in your request");
      const matched = matchRoute(method, path, url.searchParams, body);
      if ("error" in matched) {
        mistakes.push(matched.mistake);
        throw matched.error;
      }
      mistakes.push(...matched.mistakes);
      const ctx = {
        state,
        id: matched.id,
        query: url.searchParams,
        body: (body ?? {}) as Json,
        snapshotSizeGb,
      };
      const reply = matched.handle(ctx);
      if (fault && "lostAnswer" in fault) return void req.socket.destroy();
      send(res, transform(reply, options.transformServer));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      send(res, {
        status: error.status,
        body: { error: { code: error.code, message: error.message, details: error.details } },
      });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug of the fake itself: as loud as a caller's mistake.
      mistakes.push(`the fake Hetzner API failed on ${req.method} ${req.url}: ${String(error)}`);
      send(res, {
        status: 500,
        body: { error: { code: "server_error", message: String(error), details: null } },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const isDeleting = (server: FakeServer) => server.status === "deleting";
  return {
    url: `http://127.0.0.1:${port}/v1`,
    token,
    requests,
    mistakes,
    takeMistakes: () => mistakes.splice(0),
    servers: () => [...state.servers.values()].filter((s) => !isDeleting(s)),
    deletingServers: () => [...state.servers.values()].filter(isDeleting),
    sshKeys: () => [...state.sshKeys.values()],
    volumes: () => [...state.volumes.values()],
    primaryIps: () => [...state.primaryIps.values()],
    images: () => [...state.images.values()],
    addSshKey: (name, publicKey) => addSshKey(state, name, publicKey),
    failNext: (matcher, fault, times = 1) => faults.add(fault, times, matcher),
    failNextAction: (command, error, times = 1) => state.failNextAction(command, error, times),
    setActionDuration: (ms, command) => {
      if (command === undefined) state.options.actionDurationMs = ms;
      else state.options.actionDurations[command] = ms;
    },
    setCreateActionError: (error) => {
      state.options.createActionError = error;
    },
    settle: (command) => state.settle(command),
    serverTypes: () => state.serverTypes,
    close: async () => {
      for (const timer of state.pending.keys()) clearTimeout(timer);
      state.pending.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (mistakes.length > 0) {
        throw new Error(`requests the fake Hetzner API does not serve:\n  ${mistakes.join("\n  ")}`);
      }
    },
  };
}

function transform(reply: Reply, transformServer: FakeHetznerOptions["transformServer"]): Reply {
  if (reply.body === null) return reply;
  // Serialise first so a transform can never reach into the fake's own state.
  const body = JSON.parse(JSON.stringify(reply.body)) as Json;
  if (transformServer) {
    if (body.server) body.server = transformServer(body.server as Json);
    if (Array.isArray(body.servers)) body.servers = body.servers.map((s: Json) => transformServer(s));
  }
  return { status: reply.status, body };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  if (reply.body === null) return void res.writeHead(reply.status).end();
  res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
