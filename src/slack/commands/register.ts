import type { App } from "@slack/bolt";
import type { SlackMessage } from "../blocks/instance-blocks.ts";
import { errorMessage, helpMessage } from "../blocks/reply-blocks.ts";
import type { BotContext } from "../bot-context.ts";
import { errorText } from "../errors.ts";
import { callSlack } from "../web-client.ts";
import { deprovisionCommand } from "./deprovision.ts";
import { extendCommand } from "./extend.ts";
import { listCommand } from "./list.ts";
import { parseCommandText, type Subcommand } from "./parse.ts";
import { provisionCommand } from "./provision.ts";
import type { SlashHandler } from "./slash-request.ts";
import { statusCommand } from "./status.ts";
import { typesCommand } from "./types.ts";

const HANDLERS: Record<Subcommand, SlashHandler> = {
  help: async (_bot, req) => req.reply(helpMessage()),
  provision: provisionCommand,
  list: listCommand,
  status: statusCommand,
  extend: extendCommand,
  deprovision: deprovisionCommand,
  types: typesCommand,
};

/** `/ccc …`: acks at once (empty), then does the work and answers ephemerally via the response URL. */
export function registerSlashCommand(app: App, bot: BotContext, name = "/ccc"): void {
  app.command(name, async ({ ack, command, respond }) => {
    await ack();
    const reply = async (message: SlackMessage) => {
      try {
        await respond({ response_type: "ephemeral", text: message.text, blocks: message.blocks });
      } catch (error) {
        bot.log.warn("response_url failed; trying chat.postEphemeral", { error: String(error) });
        await callSlack(bot.log, "chat.postEphemeral", () =>
          bot.client.chat.postEphemeral({ channel: command.channel_id, user: command.user_id, ...message }),
        );
      }
    };
    const parsed = parseCommandText(command.text);
    if (parsed.kind === "unknown") {
      await reply(helpMessage({ word: parsed.word, suggestion: parsed.suggestion }));
      return;
    }
    const request = { userId: command.user_id, args: parsed.args, triggerId: command.trigger_id, reply };
    try {
      await HANDLERS[parsed.name](bot, request);
    } catch (error) {
      await reply(errorMessage(errorText(error, bot.log, `/ccc ${parsed.name}`)));
    }
  });
}
