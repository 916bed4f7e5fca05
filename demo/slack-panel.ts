// The demo's "Slack": the DMs the bot sent (as the Slack stand-in recorded them, latest version of each),
// with their buttons, and a box to type `/ccc …` as the demo person or admin. A click or a command goes
// to the bot the way Slack sends it: a signed request into the real receiver at /slack/events.
import { createHmac, randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Route } from "../src/http/server.ts";
import { Html, html } from "../src/web/html.ts";
import { ASSET_PATHS } from "../src/web/layout.ts";
import { CONTENT_SECURITY_POLICY, sendPage } from "../src/web/respond.ts";
import type { FakeSlack, PostedMessage } from "../stand-ins/fake-slack.ts";
import { modalHtml, OpenModals, viewSubmission } from "./slack-modals.ts";
import { SLACK_PANEL_PATH } from "./slack-panel-path.ts";

export { SLACK_PANEL_PATH } from "./slack-panel-path.ts";

export interface DemoPerson {
  id: string;
  label: string;
}

export interface SlackPanelOptions {
  slack: FakeSlack;
  people: DemoPerson[];
  teamId: string;
  signingSecret: string;
  /** The bot's own port, where /slack/events listens. */
  port(): number;
}

export function slackPanelRoutes(options: SlackPanelOptions): Route[] {
  // Only this page's forms may click: another site cannot post a click into the demo.
  const formToken = randomBytes(16).toString("hex");
  const answers: { who: string; text: string }[] = [];
  const modals = new OpenModals(options.slack);
  const send = (payload: string) => signedPost(options, payload);
  const fields = async (body: () => Promise<Buffer>) => {
    const form = new URLSearchParams((await body()).toString("utf8"));
    if (form.get("form") !== formToken) throw new Error("stale form");
    return form;
  };
  return [
    {
      method: "GET",
      path: SLACK_PANEL_PATH,
      // The dashboard's policy, plus fetching its own messages for the refresh.
      handle: ({ res }) =>
        sendPage(res, 200, page(options, formToken, answers, modals), {
          "content-security-policy": CONTENT_SECURITY_POLICY,
        }),
    },
    {
      method: "GET",
      path: `${SLACK_PANEL_PATH}/messages`,
      handle: ({ res }) => sendPage(res, 200, messagesHtml(options, formToken, answers, modals)),
    },
    {
      method: "GET",
      path: `${SLACK_PANEL_PATH}/panel.js`,
      handle: ({ res }) => {
        res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" });
        res.end(PANEL_SCRIPT);
      },
    },
    {
      method: "GET",
      path: `${SLACK_PANEL_PATH}/panel.css`,
      handle: ({ res }) => {
        res.writeHead(200, { "content-type": "text/css; charset=utf-8", "cache-control": "no-store" });
        res.end(PANEL_STYLE);
      },
    },
    {
      method: "POST",
      path: `${SLACK_PANEL_PATH}/click`,
      handle: async ({ res, body }) => {
        const form = await fields(body).catch(() => null);
        if (!form) return back(res);
        const channel = form.get("channel") ?? "";
        const user = `U${channel.slice(1)}`;
        const payload = blockActions(options, user, modals.trigger(user), {
          channel,
          ts: form.get("ts") ?? "",
          actionId: form.get("action") ?? "",
          value: form.get("value") ?? "",
          blockId: form.get("block") ?? "",
          responseUrl: options.slack.responseUrl(),
        });
        const answer = await send(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
        if (answer) answers.unshift({ who: user, text: answer });
        back(res);
      },
    },
    {
      method: "POST",
      path: `${SLACK_PANEL_PATH}/command`,
      handle: async ({ res, body }) => {
        const form = await fields(body).catch(() => null);
        if (!form) return back(res);
        const user = options.people.find((p) => p.id === form.get("user"))?.id ?? options.people[0]?.id ?? "";
        const text = (form.get("text") ?? "").replace(/^\s*\/ccc\s*/, "").trim();
        const responseUrl = options.slack.responseUrl();
        const answer = await send(
          new URLSearchParams(
            slashCommand(options, user, text, responseUrl, modals.trigger(user)),
          ).toString(),
        );
        const later = await waitForResponse(options.slack, responseUrl);
        answers.unshift({
          who: user,
          text: `/ccc ${text}\n${later ?? answer ?? "(no message: the answer is a form above, or a DM)"}`,
        });
        answers.splice(8);
        back(res);
      },
    },
    {
      method: "POST",
      path: `${SLACK_PANEL_PATH}/submit`,
      handle: async ({ res, body }) => {
        const form = await fields(body).catch(() => null);
        const modal = form ? modals.find(form.get("modal") ?? "") : undefined;
        if (!form || !modal) return back(res);
        const payload = viewSubmission(options, modal, form, modals.trigger(modal.user));
        const answer = await signedPostRaw(options, `payload=${encodeURIComponent(JSON.stringify(payload))}`);
        const errors =
          answer?.response_action === "errors" ? (answer.errors as Record<string, string>) : null;
        if (errors) modals.setErrors(modal.key, errors);
        else modals.close(modal.key);
        back(res);
      },
    },
    {
      method: "POST",
      path: `${SLACK_PANEL_PATH}/cancel`,
      handle: async ({ res, body }) => {
        const form = await fields(body).catch(() => null);
        if (form) modals.close(form.get("modal") ?? "");
        back(res);
      },
    },
  ];
}

function back(res: ServerResponse): void {
  res.writeHead(303, { location: SLACK_PANEL_PATH });
  res.end();
}

/** Posts as Slack does (v0 signature over timestamp and body); answers the bot's immediate reply text. */
async function signedPost(options: SlackPanelOptions, body: string): Promise<string | null> {
  const res = await post(options, body);
  const text = await res.text();
  if (res.status !== 200) return `Slack would show an error (HTTP ${res.status}): ${text.trim()}`;
  try {
    const json = JSON.parse(text) as { text?: string; blocks?: unknown[] };
    return json.text ?? blocksText(json.blocks ?? []) ?? null;
  } catch {
    return text.trim() || null;
  }
}

/** The bot's answer to a form submission, as JSON (errors to show on the form), or null. */
async function signedPostRaw(
  options: SlackPanelOptions,
  body: string,
): Promise<Record<string, unknown> | null> {
  const text = await (await post(options, body)).text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function post(options: SlackPanelOptions, body: string): Promise<Response> {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac("sha256", options.signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return fetch(`http://127.0.0.1:${options.port()}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": signature,
    },
    body,
  });
}

/** The first answer posted to a response_url within a few seconds (a slash command's reply). */
async function waitForResponse(slack: FakeSlack, url: string): Promise<string | null> {
  const path = new URL(url).pathname;
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const call = slack.calls("response_url").find((c) => c.body.path === path);
    if (call) {
      const body = call.body as { text?: string; blocks?: unknown[] };
      return blocksText(body.blocks ?? []) ?? body.text ?? null;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return null;
}

function slashCommand(
  options: SlackPanelOptions,
  user: string,
  text: string,
  responseUrl: string,
  trigger: string,
) {
  return {
    team_id: options.teamId,
    team_domain: "demo",
    channel_id: `D${user.slice(1)}`,
    channel_name: "directmessage",
    user_id: user,
    user_name: user.toLowerCase(),
    command: "/ccc",
    text,
    api_app_id: "A0CCCDEMO",
    is_enterprise_install: "false",
    response_url: responseUrl,
    trigger_id: trigger,
  };
}

function blockActions(
  options: SlackPanelOptions,
  user: string,
  trigger: string,
  click: {
    channel: string;
    ts: string;
    actionId: string;
    value: string;
    blockId: string;
    responseUrl: string;
  },
) {
  return {
    type: "block_actions",
    team: { id: options.teamId, domain: "demo" },
    user: { id: user, username: user.toLowerCase(), team_id: options.teamId },
    api_app_id: "A0CCCDEMO",
    trigger_id: trigger,
    container: { type: "message", message_ts: click.ts, channel_id: click.channel, is_ephemeral: false },
    channel: { id: click.channel, name: "directmessage" },
    message: { ts: click.ts, type: "message", text: "" },
    response_url: click.responseUrl,
    actions: [
      {
        type: "button",
        action_id: click.actionId,
        block_id: click.blockId,
        value: click.value,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

interface Block {
  type?: string;
  block_id?: string;
  text?: { text?: string };
  fields?: { text?: string }[];
  elements?: {
    type?: string;
    text?: { text?: string } | string;
    action_id?: string;
    value?: string;
    url?: string;
  }[];
}

/** The words of a message's blocks, as plain text (null when there are none). */
function blocksText(blocks: unknown[]): string | null {
  const lines = (blocks as Block[]).flatMap((b) => [
    b.text?.text ?? "",
    ...(b.fields ?? []).map((f) => f.text ?? ""),
    ...(b.type === "context"
      ? (b.elements ?? []).map((e) => (typeof e.text === "string" ? e.text : ""))
      : []),
  ]);
  const text = lines.filter(Boolean).join("\n");
  return text || null;
}

function page(
  options: SlackPanelOptions,
  formToken: string,
  answers: { who: string; text: string }[],
  modals: OpenModals,
): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Slack (ccc demo)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PATHS.css}">
<link rel="stylesheet" href="${SLACK_PANEL_PATH}/panel.css">
<script src="${SLACK_PANEL_PATH}/panel.js" defer></script>
</head><body><main class="demo-slack">
<h1>Slack <small>(the demo's stand-in)</small></h1>
<p>What the ccc bot would send in Slack: each demo person's DMs, newest first. Buttons work as in Slack.
<a href="/">Back to the dashboard</a></p>
<form method="post" action="${SLACK_PANEL_PATH}/command" class="demo-command">
<input type="hidden" name="form" value="${formToken}">
<label>Type as <select name="user">${options.people.map((p) => html`<option value="${p.id}">${p.label}</option>`)}</select></label>
<input name="text" placeholder="/ccc help" aria-label="command" size="40">
<button type="submit">Send</button>
</form>
<div id="messages">${messagesHtml(options, formToken, answers, modals)}</div>
</main></body></html>`;
}

function messagesHtml(
  options: SlackPanelOptions,
  formToken: string,
  answers: { who: string; text: string }[],
  modals: OpenModals,
): Html {
  const name = (user: string) => options.people.find((p) => p.id === user)?.label ?? user;
  const messages = options.slack
    .messages()
    .filter((m) => m.channel.startsWith("D"))
    .sort((a, b) => Number(b.ts) - Number(a.ts));
  return html`${modals.list().map((m) => modalHtml(m, name(m.user), formToken))}${
    answers.length > 0
      ? html`<section class="demo-answers"><h2>Only visible to you</h2>${answers.map(
          (a) =>
            html`<article><strong>${name(a.who)}</strong><div class="demo-text">${mrkdwn(a.text)}</div></article>`,
        )}</section>`
      : ""
  }<section class="demo-dms"><h2>Direct messages from ccc</h2>${
    messages.length === 0
      ? html`<p>No DMs yet.</p>`
      : messages.map((m) => message(m, name(`U${m.channel.slice(1)}`), formToken))
  }</section>`;
}

function message(m: PostedMessage, to: string, formToken: string): Html {
  const blocks = m.blocks as Block[];
  const buttons = blocks.flatMap((b) =>
    b.type === "actions"
      ? (b.elements ?? []).filter((e) => e.type === "button").map((e) => ({ block: b.block_id ?? "", ...e }))
      : [],
  );
  return html`<article class="demo-dm" data-ts="${m.ts}"><header>To <strong>${to}</strong></header>
<div class="demo-text">${mrkdwn(blocksText(m.blocks) ?? m.text)}</div>${buttons.map((e) =>
    e.url
      ? html`<a class="button" href="${e.url}">${typeof e.text === "string" ? e.text : (e.text?.text ?? "")}</a>`
      : html`<form method="post" action="${SLACK_PANEL_PATH}/click" class="demo-button">
<input type="hidden" name="form" value="${formToken}"><input type="hidden" name="channel" value="${m.channel}">
<input type="hidden" name="ts" value="${m.ts}"><input type="hidden" name="action" value="${e.action_id ?? ""}">
<input type="hidden" name="value" value="${e.value ?? ""}"><input type="hidden" name="block" value="${e.block}">
<button type="submit">${typeof e.text === "string" ? e.text : (e.text?.text ?? "")}</button></form>`,
  )}</article>`;
}

const EMOJI: Record<string, string> = {
  white_check_mark: "✅",
  hourglass_flowing_sand: "⏳",
  warning: "⚠️",
  x: "❌",
  wastebasket: "🗑️",
  key: "🔑",
  floppy_disk: "💾",
  alarm_clock: "⏰",
  money_with_wings: "💸",
  busts_in_silhouette: "👥",
  hourglass: "⌛",
  bell: "🔔",
  lock: "🔒",
  moneybag: "💰",
  recycle: "♻️",
  camera: "📷",
  package: "📦",
  no_entry: "⛔",
};

/** Slack's mrkdwn, enough to read: bold, code, dates and mentions by their fallback text, common emoji. */
function mrkdwn(text: string): Html {
  const escaped = html`${text}`.value
    .replace(/&lt;!date\^\d+\^[^|]*\|([^&]*)&gt;/g, "$1")
    .replace(/&lt;@(\w+)&gt;/g, "@$1")
    .replace(/&lt;(https?:[^|&]+)\|([^&]+)&gt;/g, '<a href="$1">$2</a>')
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*([^*\n]+)\*/g, "<strong>$1</strong>")
    .replace(/:([a-z_]+):/g, (all, name: string) => EMOJI[name] ?? all)
    .replaceAll("\n", "<br>");
  return new Html(escaped);
}

/** Each message and form a card, its buttons in a row, as Slack shows them. */
const PANEL_STYLE = `
.demo-dm, .demo-answers article, .demo-modal { border: 1px solid #ccc; border-radius: 8px; padding: 0.6em 1em; margin: 0.6em 0; background: #fff; }
.demo-dm header { color: #555; font-size: 0.9em; }
.demo-button { display: inline-block; margin: 0.3em 0.4em 0 0; }
.demo-command { display: flex; gap: 0.5em; align-items: end; flex-wrap: wrap; }
.demo-command input[name=text] { flex: 1; min-width: 12em; }
.demo-text { margin: 0.4em 0; overflow-wrap: anywhere; }
`;

/** Refreshes the messages every 2 s, except while a form there is being filled in. */
const PANEL_SCRIPT = `
let editing = false;
document.addEventListener("input", (e) => {
  if (e.target.closest && e.target.closest(".demo-modal")) editing = true;
});
setInterval(async () => {
  if (editing) return;
  const res = await fetch("${SLACK_PANEL_PATH}/messages", { cache: "no-store" });
  if (!res.ok) return;
  const text = await res.text();
  const doc = new DOMParser().parseFromString(text, "text/html");
  const target = document.getElementById("messages");
  if (target) target.innerHTML = doc.body.innerHTML;
}, 2000);
`;
