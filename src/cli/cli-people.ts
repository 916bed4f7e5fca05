import type { Config } from "../config.ts";
import { BARE_NAME, type PeopleLookup, resolveBareNames } from "../core/instances/owner.ts";
import { silentLogger } from "../core/logger.ts";

const bare = (value: unknown) => typeof value === "string" && BARE_NAME.test(value);

/**
 * A bare `@name` among the arguments or option values, looked up in Slack's member list when a bot
 * token is set (as the bot does); without one, or for a name nobody or several answer to, it stays as
 * typed and the verb refuses it with a hint. Loads Slack's client only when there is such a name.
 */
export async function resolveCliNames<A extends Record<string, unknown>, O extends Record<string, unknown>>(
  args: A,
  options: O,
  config: Config,
): Promise<{ args: A; options: O }> {
  const { botToken, apiUrl } = config.slack;
  if (!botToken || !(Object.values(args).some(bare) || Object.values(options).some(bare))) {
    return { args, options };
  }
  const [{ slackPeople }, { createSlackWebClient }] = await Promise.all([
    import("../slack/identity/slack-people.ts"),
    import("../slack/web-client.ts"),
  ]);
  const lookup = slackPeople(createSlackWebClient(botToken, apiUrl, silentLogger));
  return { args: await resolveValues(args, lookup), options: await resolveValues(options, lookup) };
}

async function resolveValues<T extends Record<string, unknown>>(values: T, lookup: PeopleLookup): Promise<T> {
  const resolved: Record<string, unknown> = { ...values };
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === "string" && bare(value))
      resolved[key] = (await resolveBareNames([value], lookup))[0];
  }
  return resolved as T;
}
