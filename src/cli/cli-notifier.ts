import { PrintingNotifier } from "../adapters/printing-notifier.ts";
import type { Config } from "../config.ts";
import type { Clock } from "../core/ports/clock.ts";
import type { Logger } from "../core/ports/logger.ts";
import type { Notifier } from "../core/ports/notifier.ts";
import type { CliIo } from "./io.ts";

/**
 * The lifecycle commands tell people what the bot would: Slack DMs with a bot token, else printed
 * lines (on stderr under --json, so the JSON stays parseable). Slack's client loads only when used.
 */
export async function cliNotifier(config: Config, io: CliIo, json: boolean, clock: Clock): Promise<Notifier> {
  const { botToken, apiUrl, admins } = config.slack;
  const { sshPort } = config.timing;
  if (!botToken) return new PrintingNotifier(json ? io.stderr : io.stdout, sshPort);
  const line = (message: string, fields?: Record<string, unknown>) =>
    io.stderr(`ccc: ${message} ${JSON.stringify(fields ?? {})}\n`);
  const log: Logger = { info() {}, warn: line, error: line };
  const [{ SlackNotifier }, { createSlackWebClient }] = await Promise.all([
    import("../adapters/slack/slack-notifier.ts"),
    import("../adapters/slack/web-client.ts"),
  ]);
  return new SlackNotifier(createSlackWebClient(botToken, apiUrl, log), {
    admins,
    clock,
    log,
    sshPort,
  });
}
