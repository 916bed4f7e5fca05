// What ccc's listeners (and Bolt before them) read from a request, checked before Bolt sees it: a
// signed request of another shape is refused with 400 instead of reaching code that assumes it.
// Fields Slack adds that nobody here reads are dropped (z.object strips them), so Bolt sees only
// what was checked: e.g. a `function_data` would make Bolt act with a token from the body.
import * as z from "zod";

const id = z.string().min(1).max(64);
/** trigger_id, action_ts, action_id: opaque and never long. */
const token = z.string().min(1).max(255);
const team = z.object({ id }).nullish();
const user = z.object({ id, team_id: z.string().max(64).optional() });
const selectedOption = z.object({ value: z.string().max(150) }).nullish();

const stateValues = z.record(
  z.string().max(255),
  z.record(
    z.string().max(255),
    z.object({
      value: z.string().max(20_000).nullish(),
      selected_option: selectedOption,
      // A multi-select (the modal's extra software).
      selected_options: z
        .array(z.object({ value: z.string().max(150) }))
        .max(100)
        .nullish(),
    }),
  ),
);

const view = z.object({
  id,
  type: z.string().max(32),
  hash: z.string().max(255).optional(),
  callback_id: z.string().max(255).optional(),
  private_metadata: z.string().max(3000).optional(),
  app_installed_team_id: z.string().max(64).optional(),
  state: z.object({ values: stateValues }),
});

/** Who an interaction comes from, the same in every kind. */
const sender = { user, team, enterprise: z.object({ id }).nullish(), trigger_id: token };

const blockActions = z.object({
  type: z.literal("block_actions"),
  ...sender,
  actions: z
    .array(
      z.object({
        type: z.string().max(64),
        action_id: token,
        block_id: z.string().max(255).optional(),
        action_ts: token,
        value: z.string().max(2000).optional(),
        selected_option: selectedOption,
      }),
    )
    .min(1)
    .max(25),
  container: z.object({
    type: z.string().max(32),
    message_ts: z.string().max(64).optional(),
    view_id: z.string().max(64).optional(),
    is_ephemeral: z.boolean().optional(),
  }),
  view: view.optional(),
  channel: z.object({ id }).optional(),
  response_url: z.string().max(1000).optional(),
});

const viewSubmission = z.object({
  type: z.literal("view_submission"),
  ...sender,
  view: view.extend({ hash: z.string().max(255), callback_id: z.string().max(255) }),
});

/** The `payload` of an interactivity request: only the kinds ccc's app uses. */
const interaction = z.discriminatedUnion("type", [blockActions, viewSubmission]);

/** A slash command's form fields (each once: a repeated field would be a list). */
const slashCommand = z.object({
  command: z.string().min(1).max(64),
  text: z.string().max(4000),
  user_id: id,
  channel_id: id,
  team_id: id,
  enterprise_id: z.string().max(64).optional(),
  is_enterprise_install: z.string().max(8).optional(),
  trigger_id: token,
  response_url: z.string().min(1).max(1000),
});

const urlVerification = z.object({ type: z.literal("url_verification"), challenge: token });
const rateLimited = z.object({ type: z.literal("app_rate_limited") });
const eventCallback = z.object({
  type: z.literal("event_callback"),
  team_id: id,
  enterprise_id: z.string().max(64).nullish(),
  event_id: token,
  authorizations: z
    .array(
      z.object({
        team_id: z.string().max(64).nullish(),
        enterprise_id: z.string().max(64).nullish(),
        is_enterprise_install: z.boolean().optional(),
      }),
    )
    .max(10)
    .optional(),
  event: z.object({ type: z.string().min(1).max(64) }),
});
const eventsApi = z.discriminatedUnion("type", [urlVerification, rateLimited, eventCallback]);

/** The events ccc subscribes to (manifest.yml), each with the fields its listener reads. */
const EVENTS: Record<string, z.ZodType> = {
  app_home_opened: z.object({
    type: z.literal("app_home_opened"),
    user: id,
    tab: z.string().max(32).optional(),
    channel: z.string().max(64).optional(),
  }),
  // Tasks (issue 22): a mention starts one; a reply in its thread continues it. Slack caps a message at
  // 40,000 characters.
  app_mention: z.object({
    type: z.literal("app_mention"),
    user: id,
    text: z.string().max(40_000),
    ts: id,
    channel: id,
    thread_ts: id.optional(),
    event_ts: id.optional(),
  }),
  message: z.object({
    type: z.literal("message"),
    subtype: z.string().max(64).optional(),
    user: id.optional(),
    bot_id: z.string().max(64).optional(),
    text: z.string().max(40_000).optional(),
    ts: id,
    channel: id,
    thread_ts: id.optional(),
    channel_type: z.string().max(32).optional(),
  }),
};

export type SlackRequest =
  | { kind: "url_verification"; challenge: string }
  /** Acked and dropped: nothing in ccc listens for it. */
  | { kind: "ignored"; what: string }
  | { kind: "dispatch"; body: Record<string, unknown> };

export type Parsed = { ok: true; request: SlackRequest } | { ok: false; problems: string[] };

export const FORM = "application/x-www-form-urlencoded";
export const JSON_BODY = "application/json";

/** True for Slack's unsigned certificate check (`ssl_check=1`), which is answered and nothing else. */
export function isSslCheck(form: URLSearchParams): boolean {
  return form.get("ssl_check") === "1";
}

/** Parses and checks a signed request body of one of Slack's two content types. */
export function parseSlackRequest(contentType: typeof FORM | typeof JSON_BODY, text: string): Parsed {
  if (contentType === JSON_BODY) {
    const json = parseJson(text);
    if (!json.ok) return json;
    const result = eventsApi.safeParse(json.value);
    if (!result.success) return fail(result.error);
    const body = result.data;
    if (body.type === "url_verification")
      return done({ kind: "url_verification", challenge: body.challenge });
    if (body.type === "app_rate_limited") return done({ kind: "ignored", what: "app_rate_limited" });
    const schema = EVENTS[body.event.type];
    if (!schema) return done({ kind: "ignored", what: `event ${body.event.type}` });
    // The envelope's schema kept only the event's type; its own schema reads the rest.
    const event = schema.safeParse((json.value as { event: unknown }).event);
    if (!event.success) return fail(event.error, ["event"]);
    return done({ kind: "dispatch", body: { ...body, event: event.data } });
  }
  const form = formFields(text);
  if ("payload" in form) {
    if (typeof form.payload !== "string") return { ok: false, problems: ["payload: expected exactly one"] };
    const json = parseJson(form.payload);
    if (!json.ok) return json;
    const result = interaction.safeParse(json.value);
    return result.success ? done({ kind: "dispatch", body: result.data }) : fail(result.error, ["payload"]);
  }
  const result = slashCommand.safeParse(form);
  return result.success ? done({ kind: "dispatch", body: result.data }) : fail(result.error);
}

/** Form fields by name; a name given twice becomes a list (which no schema above accepts). */
function formFields(text: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    const seen = fields[name];
    fields[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return { ...fields };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; problems: string[] } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problems: ["not JSON"] };
  }
}

const done = (request: SlackRequest): Parsed => ({ ok: true, request });

/** Where and what, never the value: a body may hold an SSH key. */
function fail(error: z.ZodError, prefix: string[] = []): Parsed {
  const problems = error.issues.slice(0, 5).map((issue) => {
    const path = [...prefix, ...issue.path.map(String)].join(".");
    return `${path || "(body)"}: ${issue.message}`;
  });
  return { ok: false, problems };
}
