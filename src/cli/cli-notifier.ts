import { PrintingNotifier } from "../adapters/printing-notifier.ts";
import { systemClock } from "../adapters/system-clock.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../core/logger.ts";
import type { Notifier } from "../core/notifier.ts";
import { SlackNotifier } from "../slack/slack-notifier.ts";
import { createSlackWebClient } from "../slack/web-client.ts";
import type { CliIo } from "./io.ts";

/**
 * The lifecycle commands tell people what the bot would: Slack DMs with a bot token, else printed
 * lines (on stderr under --json, so the JSON stays parseable).
 */
export function cliNotifier(config: Config, io: CliIo, json: boolean): Notifier {
  const { botToken, apiUrl, admins } = config.slack;
  const clock = io.compose?.clock ?? systemClock;
  if (!botToken) return new PrintingNotifier(json ? io.stderr : io.stdout, clock);
  const line = (message: string, fields?: Record<string, unknown>) =>
    io.stderr(`ccc: ${message} ${JSON.stringify(fields ?? {})}\n`);
  const log: Logger = { info() {}, warn: line, error: line };
  const client = createSlackWebClient(botToken, apiUrl, log);
  return new SlackNotifier(client, { admins, clock, log });
}
