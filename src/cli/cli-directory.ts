import type { Config } from "../config.ts";
import type { PersonDirectory } from "../core/billing-sync/billing-port.ts";
import { silentLogger } from "../core/logger.ts";

/** Slack's directory when a bot token is set, so the CLI finds people's emails as the bot does. */
export async function cliDirectory(config: Config): Promise<PersonDirectory | undefined> {
  const { botToken, apiUrl } = config.slack;
  if (!botToken) return undefined;
  const [{ slackDirectory }, { createSlackWebClient }] = await Promise.all([
    import("../slack/identity/slack-directory.ts"),
    import("../slack/web-client.ts"),
  ]);
  return slackDirectory(createSlackWebClient(botToken, apiUrl, silentLogger));
}
