import type { Config } from "../config.ts";
import type { PersonDirectory } from "../core/ports/billing-sync.ts";
import { silentLogger } from "../core/ports/logger.ts";

/** Slack's directory when a bot token is set, so the CLI finds people's emails as the bot does. */
export async function cliDirectory(config: Config): Promise<PersonDirectory | undefined> {
  const { botToken, apiUrl } = config.slack;
  if (!botToken) return undefined;
  const [{ slackDirectory }, { createSlackWebClient }] = await Promise.all([
    import("../adapters/slack/slack-directory.ts"),
    import("../adapters/slack/web-client.ts"),
  ]);
  return slackDirectory(createSlackWebClient(botToken, apiUrl, silentLogger));
}
