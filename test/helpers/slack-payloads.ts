// What Slack sends the bot, already parsed: a slash command's form fields, an interaction, an Events API
// callback. Socket Mode delivers these objects as an envelope's `payload`; the HTTP receiver gets them signed
// (slack-request.ts encodes and signs them).

export const TEAM_ID = "T0FAKE";
export const APP_ID = "A0CCC";

const trigger = () => `trigger-${Math.random().toString(36).slice(2)}`;

/** `/ccc <text>` from `user`, answered to `responseUrl`. */
export function slashCommand(
  user: string,
  text: string,
  responseUrl: string,
  options: { triggerId?: string; channel?: string } = {},
): Record<string, string> {
  return {
    token: "deprecated-verification-token",
    team_id: TEAM_ID,
    team_domain: "fake",
    channel_id: options.channel ?? "C0GENERAL",
    channel_name: "general",
    user_id: user,
    user_name: user.toLowerCase(),
    command: "/ccc",
    text,
    api_app_id: APP_ID,
    is_enterprise_install: "false",
    response_url: responseUrl,
    trigger_id: options.triggerId ?? trigger(),
  };
}

/** A button click in a message the bot posted (a DM, or an ephemeral reply). */
export function buttonInMessage(
  user: string,
  actionId: string,
  value: string,
  where: { channel: string; ts: string; responseUrl: string; ephemeral?: boolean },
): Record<string, unknown> {
  return {
    type: "block_actions",
    ...from(user),
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
  };
}

/** A submission of the provision modal with these inputs; a select left out has no option chosen. */
export function provisionSubmission(
  user: string,
  input: { sshKey: string; location?: string; serverType?: string; hours?: string },
): Record<string, unknown> {
  const selected = (value: string | undefined) =>
    value === undefined
      ? { type: "static_select" }
      : { type: "static_select", selected_option: { value, text: { type: "plain_text", text: value } } };
  return {
    type: "view_submission",
    ...from(user),
    view: {
      id: "VMODAL",
      type: "modal",
      callback_id: "ccc_provision",
      hash: "hash-modal",
      private_metadata: "",
      state: {
        values: {
          sshKey: { ssh_key: { type: "plain_text_input", value: input.sshKey } },
          location: { ccc_modal_location: selected(input.location) },
          serverType: { [`ccc_modal_type:${input.location ?? ""}`]: selected(input.serverType) },
          hours: { ccc_modal_hours: selected(input.hours) },
        },
      },
    },
    response_urls: [],
  };
}

/** A submission of the key form with this text. */
export function keySubmission(user: string, sshKey: string): Record<string, unknown> {
  return {
    type: "view_submission",
    ...from(user),
    view: {
      id: "VKEY",
      type: "modal",
      callback_id: "ccc_key",
      hash: "hash-key",
      private_metadata: "",
      state: { values: { sshKey: { ssh_key: { type: "plain_text_input", value: sshKey } } } },
    },
    response_urls: [],
  };
}

/** A button click (or select change) inside a view: the App Home or a modal. */
export function buttonInView(
  user: string,
  action: Record<string, unknown>,
  view: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type: "block_actions",
    ...from(user),
    container: { type: "view", view_id: view.id },
    // Slack always sends the view's state, empty or not.
    view: { state: { values: {} }, ...view },
    actions: [{ action_ts: `${Date.now() / 1000}`, ...action }],
  };
}

/** The Events API callback around `event` (e.g. app_home_opened). */
export function eventCallback(event: Record<string, unknown>): Record<string, unknown> {
  return {
    token: "deprecated-verification-token",
    team_id: TEAM_ID,
    api_app_id: APP_ID,
    event,
    type: "event_callback",
    event_id: `Ev${Math.random().toString(36).slice(2)}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM_ID, user_id: "UCCCBOT", is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${Math.random().toString(36).slice(2)}`,
  };
}

/** What every interaction payload carries about where it comes from. */
function from(user: string) {
  return {
    team: { id: TEAM_ID, domain: "fake" },
    user: { id: user, username: user.toLowerCase(), team_id: TEAM_ID },
    api_app_id: APP_ID,
    token: "deprecated-verification-token",
    trigger_id: trigger(),
  };
}
