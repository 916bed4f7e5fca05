// A fake Slack Web API on a real HTTP server (127.0.0.1:0), for tests and benchmarks. No
// test-framework imports: bench/ uses it too.
//
//   const slack = await startFakeSlack();
//   startBot({ SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: slack.token, ... })
//
// `POST /api/<method>` answers like Slack (auth.test, conversations.open, chat.postMessage,
// chat.update, chat.postEphemeral, views.open, views.publish, views.update, users.info, users.list) and records
// the call with its parsed body, whether JSON or form-encoded (JSON-looking form fields such as
// `blocks` and `view` are parsed too). `POST /response/<id>` stands in for a response_url.
// `fail(method, …)` makes the next calls answer `{ ok: false, error }`, with 429 and Retry-After
// for `ratelimited`. `messages` keeps every posted message at its latest version, by channel and ts.
// `route(method, answer)` lets another stand-in answer a method itself, with its own tokens and
// faults (the Socket Mode fake's `apps.connections.open`). `auth.test` names the workspace `teamId`
// (default T0FAKE); `users.info` wants a user id of Slack's form and answers `user_not_found`
// otherwise; everyone is a member of that workspace unless `setUser` says otherwise (a guest,
// someone from another workspace, a deactivated account, one Slack no longer knows, an email).
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { waitForState } from "./wait-for-state.ts";

export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  token: string | null;
  at: number;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  /** The thread it was posted in (`thread_ts`), if any. */
  threadTs?: string;
  /** Every version, first post first. */
  history: { text: string; blocks: unknown[] }[];
}

export interface SlackFault {
  error: string;
  /** How many calls fail (default 1). */
  times?: number;
  /** Seconds, for `ratelimited` (default 1). */
  retryAfter?: number;
}

/** Answers one method in place of the fake: a status and JSON body, or `"drop"` to cut the connection. */
export type SlackRoute = (request: {
  headers: IncomingHttpHeaders;
  httpMethod: string;
  body: Record<string, unknown>;
}) => { status: number; body: unknown } | "drop";

/** Answers a GET outside the API, given its query. */
export type SlackPage = (query: URLSearchParams) => {
  status: number;
  headers?: Record<string, string>;
  body?: string;
};

export interface FakeSlack {
  /** Base URL for SLACK_API_URL, ending in `/api/`. */
  apiUrl: string;
  url: string;
  token: string;
  calls(method?: string): SlackCall[];
  /** A fresh response_url on this server; what is posted to it is recorded as method `response_url`. */
  responseUrl(): string;
  messages(): PostedMessage[];
  fail(method: string, fault: SlackFault): void;
  route(method: string, answer: SlackRoute): void;
  /** Serves a GET page outside `/api/` (Slack's OpenID Connect authorize page): the answer's status, headers, body. */
  page(path: string, answer: SlackPage): void;
  /** Polls until `check` returns something truthy (or throws after `timeoutMs`). */
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs?: number, what?: string): Promise<T>;
  /** How `users.info` describes a person from now on. */
  setUser(id: string, profile: FakeSlackUser): void;
  /** The bot token's scopes, sent as Slack does in `x-oauth-scopes` on each answer to it (default: manifest.yml's). */
  setScopes(scopes: readonly string[]): void;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeSlackUser {
  teamId?: string;
  /** A multi-channel guest. */
  restricted?: boolean;
  /** A single-channel guest. */
  ultraRestricted?: boolean;
  deleted?: boolean;
  /** Slack knows no such user any more (`users.info` answers `user_not_found`). */
  gone?: boolean;
  /** null: Slack has no email for them (a bot, or the scope users:read.email is missing). */
  email?: string | null;
  /** Their handle; `users.list` lists only people given one (or a display name). */
  name?: string;
  /** Their display name, what `@` shows in Slack. */
  displayName?: string;
}

export const BOT_USER_ID = "UCCCBOT";

export const FAKE_TEAM_ID = "T0FAKE";

/** The bot scopes manifest.yml asks for: what an installed app's token has. */
export const MANIFEST_BOT_SCOPES = [
  "commands",
  "chat:write",
  "im:write",
  "users:read",
  "users:read.email",
  "app_mentions:read",
  "channels:history",
  "groups:history",
];

export async function startFakeSlack(options: { token?: string; teamId?: string } = {}): Promise<FakeSlack> {
  const token = options.token ?? "xoxb-fake-token";
  const teamId = options.teamId ?? FAKE_TEAM_ID;
  const users = new Map<string, FakeSlackUser>();
  let recorded: SlackCall[] = [];
  const posted = new Map<string, PostedMessage>();
  const faults = new Map<string, SlackFault & { left: number }>();
  const routes = new Map<string, SlackRoute>();
  const pages = new Map<string, SlackPage>();
  let counter = 0;
  let base = "";
  let scopes = [...MANIFEST_BOT_SCOPES];

  const answer = (method: string, body: Record<string, unknown>): Record<string, unknown> => {
    counter += 1;
    switch (method) {
      case "auth.test":
        return {
          url: "https://fake.slack.test/",
          team: "Fake",
          user: "ccc",
          team_id: teamId,
          user_id: BOT_USER_ID,
          bot_id: "B0FAKE",
        };
      case "conversations.open":
        return { channel: { id: `D${String(body.users ?? "").replace(/^U/, "")}` } };
      case "chat.postMessage": {
        const channel = String(body.channel);
        const ts = `1700000000.${String(counter).padStart(6, "0")}`;
        const version = { text: String(body.text ?? ""), blocks: asArray(body.blocks) };
        const threadTs = typeof body.thread_ts === "string" ? { threadTs: body.thread_ts } : {};
        posted.set(`${channel}/${ts}`, { channel, ts, ...threadTs, ...version, history: [version] });
        return { channel, ts, message: { ts, ...version } };
      }
      case "chat.update": {
        const key = `${String(body.channel)}/${String(body.ts)}`;
        const message = posted.get(key);
        if (!message) return { ok: false, error: "message_not_found" };
        const version = { text: String(body.text ?? ""), blocks: asArray(body.blocks) };
        Object.assign(message, version);
        message.history.push(version);
        return { channel: message.channel, ts: message.ts, text: version.text };
      }
      case "chat.postEphemeral":
        return { message_ts: `1700000001.${String(counter).padStart(6, "0")}` };
      case "views.open":
      case "views.publish":
      case "views.update": {
        const view = (body.view ?? {}) as Record<string, unknown>;
        return { view: { ...view, id: String(body.view_id ?? `V${counter}`), hash: `hash-${counter}` } };
      }
      case "users.info": {
        const id = typeof body.user === "string" ? body.user : "";
        if (!/^[UW][A-Z0-9]{2,}$/.test(id)) return { ok: false, error: "user_not_found" };
        const user = users.get(id) ?? {};
        if (user.gone) return { ok: false, error: "user_not_found" };
        const email = user.email === undefined ? `${id.toLowerCase()}@example.test` : user.email;
        return {
          user: {
            id,
            team_id: user.teamId ?? teamId,
            name: user.name ?? `user-${id}`,
            real_name: `User ${id}`,
            deleted: user.deleted ?? false,
            is_bot: false,
            is_restricted: user.restricted ?? user.ultraRestricted ?? false,
            is_ultra_restricted: user.ultraRestricted ?? false,
            profile: {
              real_name: `User ${id}`,
              display_name: user.displayName ?? "",
              ...(email === null ? {} : { email }),
            },
          },
        };
      }
      case "users.list": {
        // One page: everyone `setUser` gave a name, with the fields a name lookup reads.
        const members = [...users.entries()]
          .filter(([, u]) => u.name !== undefined || u.displayName !== undefined)
          .map(([id, u]) => ({
            id,
            team_id: u.teamId ?? teamId,
            name: u.name ?? id.toLowerCase(),
            deleted: u.deleted ?? false,
            is_bot: false,
            real_name: `User ${id}`,
            profile: { display_name: u.displayName ?? "", real_name: `User ${id}` },
          }));
        return { members, response_metadata: { next_cursor: "" } };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const path = (req.url ?? "").split("?")[0] ?? "";
    const body = parseBody(raw, req.headers["content-type"] ?? "");
    const page = req.method === "GET" ? pages.get(path) : undefined;
    if (page) {
      const query = new URL(req.url ?? "", "http://x").searchParams;
      recorded.push({ method: `GET ${path}`, body: Object.fromEntries(query), token: null, at: Date.now() });
      const answer = page(query);
      res.writeHead(answer.status, answer.headers ?? {});
      return void res.end(answer.body ?? "");
    }
    if (path.startsWith("/response/")) {
      recorded.push({ method: "response_url", body: { ...body, path }, token: null, at: Date.now() });
      return send(res, 200, { ok: true });
    }
    const method = path.replace(/^\/api\//, "");
    const auth =
      req.headers.authorization?.replace(/^Bearer /, "") ?? (body.token as string | undefined) ?? null;
    recorded.push({ method, body, token: auth, at: Date.now() });
    const route = routes.get(method);
    if (route) {
      const answer = route({ headers: req.headers, httpMethod: req.method ?? "", body });
      if (answer === "drop") return void req.socket.destroy();
      return send(res, answer.status, answer.body);
    }
    if (method !== "auth.test" && auth !== token) return send(res, 200, { ok: false, error: "invalid_auth" });
    if (method === "auth.test" && auth !== token) return send(res, 200, { ok: false, error: "invalid_auth" });
    res.setHeader("x-oauth-scopes", scopes.join(","));
    const fault = faults.get(method);
    if (fault && fault.left > 0) {
      fault.left -= 1;
      if (fault.error === "ratelimited") {
        res.setHeader("Retry-After", String(fault.retryAfter ?? 1));
        return send(res, 429, { ok: false, error: "ratelimited" });
      }
      return send(res, 200, { ok: false, error: fault.error });
    }
    // Slack refuses blocks with a repeated block_id, or too many of them, for messages and views alike.
    const view = body.view as { blocks?: unknown } | undefined;
    const blocks = asArray(body.blocks ?? view?.blocks);
    if (invalidBlocks(blocks, body.view ? 100 : 50))
      return send(res, 200, { ok: false, error: "invalid_blocks" });
    const result = answer(method, body);
    return send(res, 200, result.ok === false ? result : { ok: true, ...result });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { ok: false, error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${base}/api/`,
    url: base,
    token,
    calls: (method) => (method ? recorded.filter((c) => c.method === method) : [...recorded]),
    responseUrl: () => `${base}/response/${++counter}`,
    messages: () => [...posted.values()],
    fail: (method, fault) => faults.set(method, { ...fault, left: fault.times ?? 1 }),
    route: (method, answer) => void routes.set(method, answer),
    setUser: (id, profile) => void users.set(id, profile),
    setScopes: (list) => {
      scopes = [...list];
    },
    page: (path, answer) => void pages.set(path, answer),
    waitFor: (check, timeoutMs = 30_000, what = "the expected Slack calls") =>
      waitForState(check, timeoutMs, what),
    reset: () => {
      recorded = [];
      posted.clear();
      faults.clear();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (raw === "") return {};
  if (contentType.includes("application/json")) return JSON.parse(raw) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    body[key] = /^[[{]/.test(value) ? tryJson(value) : value;
  }
  return body;
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function invalidBlocks(blocks: unknown[], max: number): boolean {
  const ids = blocks.flatMap((b) => {
    const id = (b as { block_id?: unknown }).block_id;
    return typeof id === "string" ? [id] : [];
  });
  return blocks.length > max || new Set(ids).size !== ids.length;
}
