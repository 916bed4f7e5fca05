import type { Config } from "../config.ts";
import { UserError } from "../core/errors.ts";
import { SLACK_USER_ID } from "../core/identity/identity.ts";
import { BARE_NAME, type PeopleLookup, resolveBareNames } from "../core/instances/owner.ts";
import { silentLogger } from "../core/ports/logger.ts";
import { lookUpNames } from "../render/people.ts";

const bare = (value: unknown) => typeof value === "string" && BARE_NAME.test(value);
/** A plain name as typed after `--user` (`bob`, `bob.smith`): with Slack set, looked up like `@bob`. */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/**
 * A bare `@name` among the arguments or option values, looked up in Slack's member list when a bot
 * token is set (as the bot does); without one, or for a name nobody or several answer to, it stays as
 * typed and the verb refuses it with a hint. Loads Slack's client only when there is such a name.
 * With a bot token, `--user` is also checked: a member id Slack does not know, and a plain name that
 * is not exactly one member's, are refused before anything is done.
 */
export async function resolveCliNames<A extends Record<string, unknown>, O extends Record<string, unknown>>(
  args: A,
  options: O,
  config: Config,
): Promise<{ args: A; options: O }> {
  const { botToken, apiUrl } = config.slack;
  const user = typeof options.user === "string" ? options.user.trim() : undefined;
  if (!botToken || !(Object.values(args).some(bare) || Object.values(options).some(bare) || user)) {
    return { args, options };
  }
  const [{ slackKnowsMember, slackPeople }, { createSlackWebClient }] = await Promise.all([
    import("../adapters/slack/slack-people.ts"),
    import("../adapters/slack/web-client.ts"),
  ]);
  const client = createSlackWebClient(botToken, apiUrl, silentLogger);
  const lookup = slackPeople(client);
  const resolved = { args: await resolveValues(args, lookup), options: await resolveValues(options, lookup) };
  const after = resolved.options.user;
  if (typeof after !== "string" || !user) return resolved;
  const id = after.trim().replace(/^@/, "");
  if (SLACK_USER_ID.test(id)) {
    if ((await slackKnowsMember(client, id)) === false) {
      throw new UserError(
        `--user ${id}: Slack knows no member with that id. Copy it from their profile (⋮ → Copy member ID), or give their @name.`,
        { field: "user", code: "unknown_member" },
      );
    }
    return resolved;
  }
  if (PLAIN_NAME.test(after)) {
    const ids = await lookup.idsOfName(after).catch(() => null);
    if (ids?.length === 1 && ids[0]) {
      return { args: resolved.args, options: { ...resolved.options, user: ids[0] } };
    }
    throw new UserError(
      ids === null
        ? `--user ${after}: ccc could not ask Slack who that is just now; give their member id (U…) or try again.`
        : ids.length === 0
          ? `--user ${after}: no Slack member answers to that name. Give their member id (U…, from their profile → ⋮ → Copy member ID).`
          : `--user ${after}: ${ids.length} Slack members answer to that name (${ids.join(", ")}); give the member id of the one you mean.`,
      { field: "user", code: "unresolved_member" },
    );
  }
  return resolved;
}

/**
 * The Slack display names of `ids` (`users.info` with the bot token, all at once); none without a bot
 * token or for anyone Slack does not answer about, so those are shown by their id.
 */
export async function cliNames(config: Config, ids: readonly string[]): Promise<Map<string, string>> {
  const { botToken, apiUrl } = config.slack;
  if (!botToken || ids.length === 0) return new Map();
  const [{ slackDisplayName }, { createSlackWebClient }] = await Promise.all([
    import("../adapters/slack/slack-people.ts"),
    import("../adapters/slack/web-client.ts"),
  ]);
  const client = createSlackWebClient(botToken, apiUrl, silentLogger);
  return lookUpNames(ids.slice(0, 100), (id) => slackDisplayName(client, id));
}

async function resolveValues<T extends Record<string, unknown>>(values: T, lookup: PeopleLookup): Promise<T> {
  const resolved: Record<string, unknown> = { ...values };
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === "string" && bare(value))
      resolved[key] = (await resolveBareNames([value], lookup))[0];
  }
  return resolved as T;
}
