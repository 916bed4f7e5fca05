// Finding 2 of the attack review: validly signed requests that are not what Slack sends. Each gets
// a 400 and a log line, reaches neither Slack nor Hetzner, and the bot answers the next request.
import { describe, expect, it } from "vitest";
import { ALICE } from "./bot-harness.ts";
import { useBotHarness } from "./use-bot.ts";

const b = useBotHarness();

const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";

const user = { id: ALICE, username: "alice", team_id: "T0FAKE" };
const payload = (value: unknown) => new URLSearchParams({ payload: JSON.stringify(value) }).toString();
const click = (action: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: "block_actions",
  user,
  team: { id: "T0FAKE", domain: "fake" },
  trigger_id: "trigger-malformed",
  container: { type: "message", message_ts: "1", channel_id: "D0ALICE", is_ephemeral: false },
  channel: { id: "D0ALICE", name: "directmessage" },
  response_url: "http://127.0.0.1:9/response/never",
  actions: [{ type: "button", action_id: "ccc_extend_4h", block_id: "b", action_ts: "1.1", ...action }],
  ...extra,
});
const slash = (fields: Record<string, string>, drop: string[] = []) => {
  const form = new URLSearchParams({
    team_id: "T0FAKE",
    channel_id: "C0GENERAL",
    user_id: ALICE,
    command: "/ccc",
    text: "list",
    response_url: "http://127.0.0.1:9/response/never",
    trigger_id: "trigger-malformed",
    ...fields,
  });
  for (const name of drop) form.delete(name);
  return form;
};

const CASES: [string, string, string][] = [
  ["payload=null", "payload=null", FORM],
  ["a payload that is not JSON", "payload=%7B", FORM],
  ["a payload that is a string", payload("block_actions"), FORM],
  ["a payload that is a list", payload([1, 2]), FORM],
  [
    "two payloads",
    `${payload(click({ value: "ccc-abcdef" }))}&${payload(click({ value: "ccc-abcdef" }))}`,
    FORM,
  ],
  ["a click without a user", payload({ ...click({ value: "ccc-abcdef" }), user: undefined }), FORM],
  ["a click whose user is a string", payload(click({ value: "ccc-abcdef" }, { user: ALICE })), FORM],
  ["a click without actions", payload(click({}, { actions: [] })), FORM],
  ["a click whose value is an object", payload(click({ value: { id: "ccc-abcdef" } })), FORM],
  [
    "a click whose channel is a string",
    payload(click({ value: "ccc-abcdef" }, { channel: "D0ALICE" })),
    FORM,
  ],
  [
    "a submission without its view",
    payload({ type: "view_submission", user, trigger_id: "trigger-malformed" }),
    FORM,
  ],
  [
    "a submission whose key is an object",
    payload({
      type: "view_submission",
      user,
      trigger_id: "trigger-malformed",
      view: {
        id: "VMODAL",
        hash: "h",
        type: "modal",
        callback_id: "ccc_provision",
        state: { values: { sshKey: { ssh_key: { type: "plain_text_input", value: { key: 1 } } } } },
      },
    }),
    FORM,
  ],
  [
    "an interaction ccc does not use",
    payload({ type: "shortcut", user, trigger_id: "t", callback_id: "x" }),
    FORM,
  ],
  ["a command without text", slash({}, ["text"]).toString(), FORM],
  ["a command without a user", slash({}, ["user_id"]).toString(), FORM],
  ["a command with two users", `${slash({}).toString()}&user_id=U0BOB`, FORM],
  ["a command with an empty trigger", slash({ trigger_id: "" }).toString(), FORM],
  ["a body that is not JSON", "{", JSON_TYPE],
  ["JSON null", "null", JSON_TYPE],
  [
    "an event callback without its event",
    JSON.stringify({ type: "event_callback", event_id: "Ev1", team_id: "T0FAKE" }),
    JSON_TYPE,
  ],
  [
    "an app_home_opened whose user is a number",
    JSON.stringify({
      type: "event_callback",
      event_id: "Ev2",
      team_id: "T0FAKE",
      event: { type: "app_home_opened", user: 42, tab: "home" },
    }),
    JSON_TYPE,
  ],
  ["a url_verification without a challenge", JSON.stringify({ type: "url_verification" }), JSON_TYPE],
];

describe("malformed but signed requests", () => {
  it.each(CASES)("%s: 400, logged, and the next command is answered", async (_name, body, contentType) => {
    const res = await b.send.post(body, {}, contentType);
    expect(res.status).toBe(400);
    expect(res.body).not.toContain("ccc-abcdef");
    expect(b.logs.filter((l) => l.message === "malformed Slack request")).toHaveLength(1);

    const next = await b.send.command(ALICE, "help", b.slack.responseUrl());
    expect(next.status).toBe(200);
    expect(next.json?.text).toBe("ccc commands");
    const reached = b.slack.calls().filter((c) => c.method !== "auth.test" && c.method !== "users.info");
    expect(reached).toEqual([]);
    expect(b.h.cloud.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(b.running.bot.deps.store.events()).toEqual([]);
  });

  it("answers url_verification with its challenge, and ssl_check with 200", async () => {
    const challenge = await b.send.post(
      JSON.stringify({ token: "t", challenge: "c-123", type: "url_verification" }),
      {},
      JSON_TYPE,
    );
    expect(challenge.status).toBe(200);
    expect(challenge.json).toEqual({ challenge: "c-123" });
    const unsigned = await b.send.post(
      JSON.stringify({ token: "t", challenge: "c-123", type: "url_verification" }),
      { unsigned: true },
      JSON_TYPE,
    );
    expect(unsigned.status).toBe(401);
    // Slack checks the certificate with an unsigned ssl_check; anything smuggled beside it is ignored.
    const ssl = await b.send.post(`ssl_check=1&token=t&${slash({ text: "provision" })}`, { unsigned: true });
    expect(ssl.status).toBe(200);
    expect(ssl.body).toBe("");
    expect(b.slack.calls("views.open")).toEqual([]);
  });

  it("refuses a content type other than Slack's two, before reading the body", async () => {
    const res = await b.send.post(slash({ text: "help" }).toString(), {}, "text/plain");
    expect(res.status).toBe(415);
    const charset = await b.send.post(slash({ text: "help" }).toString(), {}, `${FORM}; charset=utf-8`);
    expect(charset.status).toBe(415);
  });
});
