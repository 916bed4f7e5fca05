// Signs and sends what Slack sends to the bot's HTTP receiver: slash commands (form-encoded),
// and interactivity (`payload=<json>`, form-encoded), with Slack's v0 HMAC signature.
import { createHmac } from "node:crypto";
import {
  buttonInMessage,
  buttonInView,
  eventCallback,
  provisionSubmission,
  slashCommand,
} from "./slack-payloads.ts";

export interface SlackResponse {
  status: number;
  body: string;
  /** Parsed JSON body, when there is one. */
  json: Record<string, unknown> | null;
  /** From sending to the full answer, in milliseconds. */
  ms: number;
}

export interface SignOptions {
  /** Sign with another secret (Slack would reject, so must the bot). */
  secret?: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Send no signature header at all. */
  unsigned?: boolean;
}

export function sign(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

/** One request exactly as it went out: sending it again is a replay (same body, timestamp, signature). */
export interface SentRequest {
  body: string;
  contentType: string;
  options: SignOptions & { timestamp: number };
}

/** A client for one receiver (`http://127.0.0.1:<port>/slack/events`) and signing secret. */
export class SlackSender {
  /** The last request sent, for replaying it. */
  last: SentRequest | null = null;

  constructor(
    readonly eventsUrl: string,
    readonly secret: string,
  ) {}

  /** Sends a request again, byte for byte, as someone who captured it would. */
  resend(request: SentRequest): Promise<SlackResponse> {
    return this.post(request.body, request.options, request.contentType);
  }

  async post(
    body: string,
    options: SignOptions = {},
    contentType = "application/x-www-form-urlencoded",
  ): Promise<SlackResponse> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    this.last = { body, contentType, options: { ...options, timestamp } };
    const headers: Record<string, string> = {
      "Content-Type": contentType,
      "X-Slack-Request-Timestamp": String(timestamp),
    };
    if (!options.unsigned)
      headers["X-Slack-Signature"] = sign(options.secret ?? this.secret, timestamp, body);
    const started = performance.now();
    const res = await fetch(this.eventsUrl, { method: "POST", headers, body });
    const text = await res.text();
    const ms = performance.now() - started;
    let json: Record<string, unknown> | null = null;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    } catch {
      json = null;
    }
    return { status: res.status, body: text, json, ms };
  }

  /** `/ccc <text>` from `user`, answered to `responseUrl`. */
  command(
    user: string,
    text: string,
    responseUrl: string,
    options: SignOptions & { triggerId?: string; channel?: string } = {},
  ): Promise<SlackResponse> {
    const form = new URLSearchParams(slashCommand(user, text, responseUrl, options));
    return this.post(form.toString(), options);
  }

  /** An Events API callback (JSON), e.g. app_home_opened. */
  event(event: Record<string, unknown>, options: SignOptions = {}): Promise<SlackResponse> {
    return this.post(JSON.stringify(eventCallback(event)), options, "application/json");
  }

  /** Any interactivity payload (block_actions, view_submission). */
  interaction(payload: Record<string, unknown>, options: SignOptions = {}): Promise<SlackResponse> {
    return this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), options);
  }

  /** A button click in a message (a DM, or an ephemeral reply). */
  clickInMessage(
    user: string,
    actionId: string,
    value: string,
    where: { channel: string; ts: string; responseUrl: string; ephemeral?: boolean },
    options: SignOptions = {},
  ): Promise<SlackResponse> {
    return this.interaction(buttonInMessage(user, actionId, value, where), options);
  }

  /** A button click (or select change) inside a view: the App Home or a modal. */
  clickInView(
    user: string,
    action: Record<string, unknown>,
    view: Record<string, unknown>,
  ): Promise<SlackResponse> {
    return this.interaction(buttonInView(user, action, view));
  }

  /** Submits the provision modal with these inputs. */
  submitProvision(
    user: string,
    input: { sshKey: string; location?: string; serverType?: string; hours?: string },
    options: SignOptions = {},
  ): Promise<SlackResponse> {
    return this.interaction(provisionSubmission(user, input), options);
  }
}
