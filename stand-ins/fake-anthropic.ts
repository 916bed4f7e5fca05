// A strict stand-in for Anthropic's Messages API on a real HTTP server (127.0.0.1:0), for tests and
// benchmarks that run the real `claude` binary (npm @anthropic-ai/claude-code). No test-framework imports.
//
//   const api = await startFakeAnthropic({ turns: [{ text: "hello" }], keys: ["sk-ant-api03-…"] });
//   env: ANTHROPIC_BASE_URL=api.url, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1, DISABLE_TELEMETRY=1,
//        CLAUDE_CODE_MAX_RETRIES=0
//   … run claude …; api.requests[0].apiKey, api.requests[0].body.messages, api.problems (must be empty)
//
// What it answers: `POST /v1/messages` (Claude Code adds `?beta=true`), the one route the real binary calls
// with the two variables above set (checked against 2.1.x: nothing else is asked for at start). Each call
// takes the next scripted turn from `turns`, in order, and answers it as Server-Sent Events the way the API
// documents them: message_start, then per content block content_block_start / content_block_delta(s) /
// content_block_stop, then message_delta (stop_reason, usage) and message_stop; a request with
// `stream: false` gets the same message as one JSON body. A turn is text (`{ text }`), a tool call
// (`{ toolUse: { name, input } }`, stop_reason tool_use: Claude Code runs the tool and calls again with its
// tool_result, which the next turn answers), several blocks (`{ blocks: [...] }`), or an API error
// (`{ error: { status, type, message } }`), or a held call (`{ hold: promise, then: turn }`: the answer waits
// for the promise, as a model still thinking; the test opens it). It is strict like the real API: a wrong method or path, a
// missing `anthropic-version`, no credential (`x-api-key`, or `authorization: Bearer` for OAuth tokens),
// a credential not in `keys` (when given), a body without model / max_tokens / messages, or a call after the
// script ran out is answered with the API's error shape AND recorded in `problems`, so a test fails on it.
// Every call is recorded in `requests` with the credential it carried.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id?: string; name: string; input: Record<string, unknown> };

export type FakeTurn =
  | { text: string }
  | { toolUse: { name: string; input: Record<string, unknown>; id?: string }; text?: string }
  | { blocks: FakeBlock[]; stopReason?: "end_turn" | "tool_use" | "max_tokens" }
  | { error: { status: number; type: string; message: string } }
  /** Holds the call open until `hold` settles, then answers `then`: a model that is still thinking. */
  | { hold: Promise<unknown>; then: FakeTurn };

export interface AnthropicRequest {
  method: string;
  path: string;
  /** The `x-api-key` header (API keys). */
  apiKey: string | null;
  /** The bearer token of `authorization` (OAuth tokens from `claude setup-token`). */
  bearer: string | null;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  /** Which turn answered it (index into `turns`), or null for a refused call. */
  turn: number | null;
}

export interface FakeAnthropic {
  url: string;
  requests: AnthropicRequest[];
  /** Calls the real API would have refused, or that the script did not expect. Empty in a passing test. */
  problems: string[];
  /** Adds turns to the end of the script. */
  script(...turns: FakeTurn[]): void;
  close(): Promise<void>;
}

export interface FakeAnthropicOptions {
  turns?: FakeTurn[];
  /** Credentials accepted (API keys or OAuth tokens); any non-empty one when left out. */
  keys?: string[];
  /** The model named in answers; the request's own model when left out. */
  model?: string;
}

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const turns = [...(options.turns ?? [])];
  let next = 0;
  let ids = 0;
  const requests: AnthropicRequest[] = [];
  const problems: string[] = [];

  const refuse = (res: ServerResponse, status: number, type: string, message: string, problem: string) => {
    problems.push(problem);
    sendError(res, status, type, message);
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    const apiKey = header(req, "x-api-key");
    const bearer = /^Bearer (.+)$/.exec(header(req, "authorization") ?? "")?.[1] ?? null;
    const record: AnthropicRequest = {
      method: req.method ?? "",
      path: url.pathname + url.search,
      apiKey,
      bearer,
      headers: { ...req.headers },
      body,
      turn: null,
    };
    requests.push(record);
    if (url.pathname !== "/v1/messages" || req.method !== "POST") {
      return refuse(res, 404, "not_found_error", "Not found", `unexpected ${req.method} ${url.pathname}`);
    }
    const extra = [...url.searchParams.keys()].filter((k) => k !== "beta");
    if (extra.length > 0) {
      return refuse(res, 400, "invalid_request_error", "unknown query", `unknown query ${extra.join(",")}`);
    }
    if (!header(req, "anthropic-version")) {
      return refuse(res, 400, "invalid_request_error", "anthropic-version header is required", "no version");
    }
    const credential = apiKey ?? bearer;
    if (!credential) {
      return refuse(res, 401, "authentication_error", "x-api-key header is required", "no credential");
    }
    if (options.keys && !options.keys.includes(credential)) {
      return refuse(res, 401, "authentication_error", "invalid x-api-key", "a credential not accepted");
    }
    if (!raw || typeof body.model !== "string" || !Array.isArray(body.messages)) {
      return refuse(res, 400, "invalid_request_error", "model and messages are required", "bad body");
    }
    if (typeof body.max_tokens !== "number") {
      return refuse(res, 400, "invalid_request_error", "max_tokens: Field required", "no max_tokens");
    }
    const turn = turns[next];
    if (!turn) {
      return refuse(
        res,
        500,
        "api_error",
        "the script has no more turns",
        `call ${next + 1} after the script ended`,
      );
    }
    record.turn = next++;
    let answer = turn;
    while ("hold" in answer) {
      await answer.hold;
      answer = answer.then;
    }
    if (res.destroyed) return;
    if ("error" in answer)
      return sendError(res, answer.error.status, answer.error.type, answer.error.message);
    const message = messageOf(
      answer,
      options.model ?? body.model,
      `msg_fake_${++ids}`,
      () => `toolu_fake_${++ids}`,
    );
    if (body.stream === true) return stream(res, message);
    res.writeHead(200, { "content-type": "application/json", "request-id": `req_fake_${ids}` });
    res.end(JSON.stringify(message));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    problems,
    script: (...more) => void turns.push(...more),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Message {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: Array<Record<string, unknown>>;
  stop_reason: string;
  stop_sequence: null;
  usage: { input_tokens: number; output_tokens: number };
}

function messageOf(
  turn: Exclude<FakeTurn, { error: unknown } | { hold: unknown }>,
  model: string,
  id: string,
  toolId: () => string,
): Message {
  let blocks: FakeBlock[];
  let stop: string;
  if ("blocks" in turn) {
    blocks = turn.blocks;
    stop = turn.stopReason ?? (blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn");
  } else if ("toolUse" in turn) {
    blocks = [
      ...(turn.text ? [{ type: "text" as const, text: turn.text }] : []),
      { type: "tool_use", ...turn.toolUse },
    ];
    stop = "tool_use";
  } else {
    blocks = [{ type: "text", text: turn.text }];
    stop = "end_turn";
  }
  const content = blocks.map((b) => (b.type === "tool_use" ? { ...b, id: b.id ?? toolId() } : { ...b }));
  const words = blocks.map((b) => (b.type === "text" ? b.text : JSON.stringify(b.input))).join(" ");
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: Math.max(1, Math.ceil(words.length / 4)) },
  };
}

/** The message as the API streams it: text in two deltas, tool input as partial JSON. */
function stream(res: ServerResponse, message: Message): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const send = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send("message_start", {
    message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
  });
  message.content.forEach((block, index) => {
    if (block.type === "text") {
      const text = String(block.text);
      const half = Math.ceil(text.length / 2);
      send("content_block_start", { index, content_block: { type: "text", text: "" } });
      for (const part of [text.slice(0, half), text.slice(half)]) {
        if (part) send("content_block_delta", { index, delta: { type: "text_delta", text: part } });
      }
    } else {
      send("content_block_start", { index, content_block: { ...block, input: {} } });
      const json = JSON.stringify(block.input);
      send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: json } });
    }
    send("content_block_stop", { index });
  });
  send("message_delta", {
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: { output_tokens: message.usage.output_tokens },
  });
  send("message_stop", {});
  res.end();
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ type: "error", error: { type, message } }));
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === "string" && value !== "" ? value : null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
