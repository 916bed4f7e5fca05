import type { App, RespondFn, SlashCommand } from "@slack/bolt";
import type { SlackMessage } from "../blocks/instance-blocks.ts";
import { errorMessage, helpMessage } from "../blocks/reply-blocks.ts";
import type { BotContext } from "../bot-context.ts";
import { errorText } from "../errors.ts";
import { callSlack } from "../web-client.ts";
import { deprovisionCommand } from "./deprovision.ts";
import { extendCommand } from "./extend.ts";
import { listCommand } from "./list.ts";
import { type Parsed, parseCommandText, type Subcommand } from "./parse.ts";
import { provisionCommand } from "./provision.ts";
import type { QuickHandler, SlashHandler } from "./slash-request.ts";
import { statusCommand } from "./status.ts";
import { typesCommand } from "./types.ts";

const QUICK: Partial<Record<Subcommand, QuickHandler>> = {
  help: () => helpMessage(),
  list: listCommand,
  status: statusCommand,
};

const SLOW: Partial<Record<Subcommand, SlashHandler>> = {
  provision: provisionCommand,
  extend: extendCommand,
  deprovision: deprovisionCommand,
  types: typesCommand,
};

/**
 * `/ccc …`. Store reads (help, list, status) are answered in the ack itself; everything that calls
 * out acks empty at once, then works and answers ephemerally through the response URL.
 */
export function registerSlashCommand(app: App, bot: BotContext, name = "/ccc"): void {
  app.command(name, async ({ ack, command, respond }) => {
    const parsed = parseCommandText(command.text);
    const quick = quickAnswer(bot, command.user_id, parsed);
    if (quick) {
      await ack({ response_type: "ephemeral", text: quick.text, blocks: quick.blocks });
      return;
    }
    await ack();
    await bot.tasks.track(() => answer(bot, command, respond));
  });
}

function quickAnswer(bot: BotContext, userId: string, parsed: Parsed): SlackMessage | null {
  if (parsed.kind === "unknown") return helpMessage({ word: parsed.word, suggestion: parsed.suggestion });
  const handler = QUICK[parsed.name];
  if (!handler) return null;
  try {
    return handler(bot, userId, parsed.args);
  } catch (error) {
    return errorMessage(errorText(error, bot.log, `/ccc ${parsed.name}`));
  }
}

async function answer(bot: BotContext, command: SlashCommand, respond: RespondFn): Promise<void> {
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
  if (parsed.kind === "unknown") return;
  const handler = SLOW[parsed.name];
  if (!handler) return;
  const request = { userId: command.user_id, args: parsed.args, triggerId: command.trigger_id, reply };
  try {
    await handler(bot, request);
  } catch (error) {
    await reply(errorMessage(errorText(error, bot.log, `/ccc ${parsed.name}`)));
  }
}
