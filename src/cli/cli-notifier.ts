import { PrintingNotifier } from "../adapters/printing-notifier.ts";
import { systemClock } from "../adapters/system-clock.ts";
import type { Env } from "../config.ts";
import type { Logger } from "../core/logger.ts";
import type { Notifier } from "../core/notifier.ts";
import { SlackNotifier } from "../slack/slack-notifier.ts";
import { createSlackWebClient } from "../slack/web-client.ts";
import type { CliIo } from "./io.ts";

/**
 * The lifecycle commands tell people what the bot would: Slack DMs with a bot token, else printed
 * lines (on stderr under --json, so the JSON stays parseable).
 */
export function cliNotifier(env: Env, io: CliIo, json: boolean): Notifier {
  const clock = io.compose?.clock ?? systemClock;
  if (!env.SLACK_BOT_TOKEN) return new PrintingNotifier(json ? io.stderr : io.stdout, clock);
  const line = (message: string, fields?: Record<string, unknown>) =>
    io.stderr(`ccc: ${message} ${JSON.stringify(fields ?? {})}\n`);
  const log: Logger = { info() {}, warn: line, error: line };
  const client = createSlackWebClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL, log);
  return new SlackNotifier(client, { admins: env.CCC_ADMINS, clock, log });
}
