// Signs and sends what Slack sends to the bot's HTTP receiver: slash commands (form-encoded),
// and interactivity (`payload=<json>`, form-encoded), with Slack's v0 HMAC signature.
import { createHmac } from "node:crypto";

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
    const form = new URLSearchParams({
      token: "deprecated-verification-token",
      team_id: "T0FAKE",
      team_domain: "fake",
      channel_id: options.channel ?? "C0GENERAL",
      channel_name: "general",
      user_id: user,
      user_name: user.toLowerCase(),
      command: "/ccc",
      text,
      api_app_id: "A0CCC",
      response_url: responseUrl,
      trigger_id: options.triggerId ?? `trigger-${Math.random().toString(36).slice(2)}`,
    });
    return this.post(form.toString(), options);
  }

  /** An Events API callback (JSON), e.g. app_home_opened. */
  event(event: Record<string, unknown>, options: SignOptions = {}): Promise<SlackResponse> {
    const body = JSON.stringify({
      token: "deprecated-verification-token",
      team_id: "T0FAKE",
      api_app_id: "A0CCC",
      type: "event_callback",
      event_id: `Ev${Math.random().toString(36).slice(2)}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: "T0FAKE", user_id: "UCCCBOT", is_bot: true }],
      event,
    });
    return this.post(body, options, "application/json");
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
    return this.interaction(
      {
        type: "block_actions",
        ...envelope(user),
        container: {
          type: "message",
          message_ts: where.ts,
          channel_id: where.channel,
          is_ephemeral: where.ephemeral ?? false,
        },
        channel: { id: where.channel, name: "directmessage" },
        message: { ts: where.ts, type: "message", text: "" },
        response_url: where.responseUrl,
        actions: [
          {
            type: "button",
            action_id: actionId,
            block_id: `instance_actions:${value}`,
            value,
            action_ts: `${Date.now() / 1000}`,
          },
        ],
      },
      options,
    );
  }

  /** A button click (or select change) inside a view: the App Home or a modal. */
  clickInView(
    user: string,
    action: Record<string, unknown>,
    view: Record<string, unknown>,
  ): Promise<SlackResponse> {
    return this.interaction({
      type: "block_actions",
      ...envelope(user),
      container: { type: "view", view_id: view.id },
      // Slack always sends the view's state, empty or not.
      view: { state: { values: {} }, ...view },
      actions: [{ action_ts: `${Date.now() / 1000}`, ...action }],
    });
  }

  /** Submits the provision modal with these inputs. */
  submitProvision(
    user: string,
    input: { sshKey: string; location?: string; serverType?: string; hours?: string },
    options: SignOptions = {},
  ): Promise<SlackResponse> {
    const selected = (value: string | undefined) =>
      value === undefined ? null : { selected_option: { value, text: { type: "plain_text", text: value } } };
    return this.interaction(
      {
        type: "view_submission",
        ...envelope(user),
        view: {
          id: "VMODAL",
          type: "modal",
          callback_id: "ccc_provision",
          hash: "hash-modal",
          private_metadata: "",
          state: {
            values: {
              sshKey: { ssh_key: { type: "plain_text_input", value: input.sshKey } },
              location: { ccc_modal_location: { type: "static_select", ...selected(input.location) } },
              serverType: {
                [`ccc_modal_type:${input.location ?? ""}`]: {
                  type: "static_select",
                  ...selected(input.serverType),
                },
              },
              hours: { ccc_modal_hours: { type: "static_select", ...selected(input.hours) } },
            },
          },
        },
      },
      options,
    );
  }
}

/** What every interaction payload carries about where it comes from. */
function envelope(user: string) {
  return {
    team: { id: "T0FAKE", domain: "fake" },
    user: { id: user, username: user.toLowerCase(), team_id: "T0FAKE" },
    api_app_id: "A0CCC",
    token: "deprecated-verification-token",
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
  };
}
