import type { IncomingMessage, ServerResponse } from "node:http";
import { type App, type Receiver, ReceiverMultipleAckError } from "@slack/bolt";
import type { Clock } from "../../core/ports/clock.ts";
import type { Logger } from "../../core/ports/logger.ts";
import { HttpError } from "../../http/http-error.ts";
import type { Route, RouteRequest } from "../../http/server.ts";
import { type AckObserver, ackKind } from "./ack-kind.ts";
import { signatureProblem } from "./signature.ts";
import { FORM, isSslCheck, JSON_BODY, parseSlackRequest } from "./slack-shapes.ts";

export const SLACK_EVENTS_PATH = "/slack/events";
/** Slack gives up on an answer after 3 s; a listener that has not acked by then never will in time. */
const ACK_DEADLINE_MS = 3_000;

export interface SlackReceiverOptions {
  signingSecret: string;
  clock: Clock;
  log: Logger;
  /** Told how long each request took from arrival to its ack. */
  onAck?: AckObserver | undefined;
}

/**
 * Bolt's receiver for HTTP mode, as a route on our own server (`POST /slack/events`). It checks the
 * signature on the raw body and the shape of what was signed before Bolt sees anything, and acks
 * as soon as a listener does (the work goes on after the answer).
 */
export class SlackReceiver implements Receiver {
  readonly route: Route = { method: "POST", path: SLACK_EVENTS_PATH, handle: (r) => this.handle(r) };
  private app: App | null = null;
  private accepting = false;

  constructor(private readonly options: SlackReceiverOptions) {}

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {
    this.accepting = true;
  }

  async stop(): Promise<void> {
    this.accepting = false;
  }

  private async handle({ req, res, body }: RouteRequest): Promise<void> {
    const { log } = this.options;
    const arrived = performance.now();
    if (!this.accepting || !this.app) throw new HttpError(503, "not accepting requests");
    const contentType = req.headers["content-type"];
    if (contentType !== FORM && contentType !== JSON_BODY) {
      throw new HttpError(415, "expected application/x-www-form-urlencoded or application/json");
    }
    const raw = await body();
    const text = raw.toString("utf8");
    // Unsigned by design; answering it says nothing and runs nothing, whatever else the body holds.
    if (contentType === FORM && isSslCheck(new URLSearchParams(text))) {
      res.writeHead(200).end();
      return;
    }
    const refused = signatureProblem({
      secret: this.options.signingSecret,
      timestamp: header(req, "x-slack-request-timestamp"),
      signature: header(req, "x-slack-signature"),
      body: raw,
      nowMs: this.options.clock.now().getTime(),
    });
    if (refused) {
      log.warn("Slack request refused", { reason: refused });
      throw new HttpError(401, "invalid signature");
    }
    const parsed = parseSlackRequest(contentType, text);
    if (!parsed.ok) {
      log.warn("malformed Slack request", { problems: parsed.problems });
      throw new HttpError(400, "malformed Slack request");
    }
    const request = parsed.request;
    if (request.kind === "url_verification") {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ challenge: request.challenge }));
      return;
    }
    if (request.kind === "ignored") {
      log.info("Slack request ignored", { what: request.what });
      res.writeHead(200).end();
      return;
    }
    await this.dispatch(this.app, request.body, req, res, arrived);
  }

  private async dispatch(
    app: App,
    body: Record<string, unknown>,
    req: IncomingMessage,
    res: ServerResponse,
    arrived: number,
  ): Promise<void> {
    const { log } = this.options;
    let answered = false;
    const answer = (status: number, content?: unknown) => {
      answered = true;
      clearTimeout(deadline);
      if (content === undefined || content === "") res.writeHead(status).end();
      else if (typeof content === "string") res.writeHead(status).end(content);
      else res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(content));
    };
    const deadline = setTimeout(() => {
      log.error("Slack request not acknowledged within 3 s", { type: describe(body) });
      answer(500, "not acknowledged in time");
    }, ACK_DEADLINE_MS);
    const retryNum = header(req, "x-slack-retry-num");
    const retryReason = header(req, "x-slack-retry-reason");
    try {
      await app.processEvent({
        body,
        ack: async (response?: unknown) => {
          if (answered) throw new ReceiverMultipleAckError();
          answer(200, response);
          this.options.onAck?.(ackKind(body), (performance.now() - arrived) / 1000);
        },
        ...(retryNum && /^\d+$/.test(retryNum) ? { retryNum: Number(retryNum) } : {}),
        ...(retryReason ? { retryReason } : {}),
      });
    } catch (error) {
      log.error("Slack request failed", { type: describe(body), error: String(error) });
      if (!answered) answer(500, "internal error");
      return;
    }
    if (!answered) {
      log.warn("no listener acknowledged a Slack request", { type: describe(body) });
      answer(404);
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

/** For log lines: which kind of request, never its content. */
function describe(body: Record<string, unknown>): string {
  if (typeof body.command === "string") return "command";
  const event = body.event as { type?: unknown } | undefined;
  if (event && typeof event.type === "string") return `event ${event.type}`;
  return typeof body.type === "string" ? body.type : "unknown";
}
