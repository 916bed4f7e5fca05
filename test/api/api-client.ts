// Real HTTP requests to the bot's /api/v1, with real tokens made the way `ccc token create` makes them.
// Every answer is checked against the document the bot serves (./contract.ts): a status the
// operation does not document, or a body its schema refuses, fails the test that got it.
import { expect } from "vitest";
import { createToken } from "../../src/core/identity/api-tokens.ts";
import { instanceSchema } from "../../src/render/schemas/response-schemas.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import type { BotHarness } from "../bot/bot-harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { checkAnswer, count } from "./contract.ts";

export interface ApiAnswer {
  status: number;
  headers: Headers;
  json: unknown;
  /** The `error` of an error answer. */
  error: { code: string; message: string; field?: string } | undefined;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as it is: not JSON, or a stream that goes on past the limit. */
  rawBody?: string | ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
}

/** An API to call: the test's bot, or a server a test started itself. */
type Target = BotHarness | { port: number };

/** One request to `/api/v1{path}`; its answer has been checked against the served document. */
export async function call(
  target: Target,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiAnswer> {
  const port = portOf(target);
  const answer = await send(port, method, path, options);
  if (path === "/openapi.json") return answer;
  const document = await servedDocument(target);
  let checked: { operation: string };
  try {
    checked = checkAnswer(document, { method, path: `/api/v1${path}` }, answer);
  } catch (error) {
    count(false);
    throw error;
  }
  count(true, checked.operation);
  return answer;
}

/** A server a test started has a port; a bot harness (a proxy onto the current test's) has `running`. */
function ownServer(target: Target): { port: number } | undefined {
  const port = (target as { port?: unknown }).port;
  return typeof port === "number" ? (target as { port: number }) : undefined;
}

function portOf(target: Target): number {
  return ownServer(target)?.port ?? (target as BotHarness).running.port;
}

async function send(port: number, method: string, path: string, options: CallOptions): Promise<ApiAnswer> {
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...options.headers,
    },
    ...(body !== undefined ? { body } : {}),
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : null;
  return {
    status: res.status,
    headers: res.headers,
    json,
    error: (json as { error?: ApiAnswer["error"] } | null)?.error,
  };
}

const documents = new WeakMap<object, string>();

/** The OpenAPI document this bot (or server) serves, fetched once per bot. */
export async function servedDocument(target: Target): Promise<string> {
  const key = ownServer(target) ?? (target as BotHarness).running;
  let text = documents.get(key);
  if (text === undefined) {
    const res = await fetch(`http://127.0.0.1:${portOf(target)}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    text = await res.text();
    documents.set(key, text);
  }
  return text;
}

/** A token for `user`, made by the operator (an admin) as `ccc token create` would. */
export function tokenFor(b: BotHarness, user: string): string {
  const operator = { id: "opal", isAdmin: true };
  return createToken(b.running.bot.deps, operator, { user, name: "test" }).secret;
}

/** Provisions through the API as `token`'s person (with `extra` fields) and waits until the build is done. */
export async function readyViaApi(
  b: BotHarness,
  token: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const made = await call(b, "POST", "/instances", {
    token,
    body: { sshKey: makeKeyPair().publicKey, hours: 2, serverType: "cx23", location: "fsn1", ...extra },
  });
  expect(made.status).toBe(202);
  const id = instanceSchema.parse(made.json).id;
  await waitForState(() => b.running.bot.deps.store.get(id)?.status === "ready", 15_000, `${id} ready`);
  return id;
}
