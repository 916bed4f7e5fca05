import { list } from "../../commands/list.ts";
import type { SlackMessage } from "../blocks/instance-blocks.ts";
import { listMessage } from "../blocks/reply-blocks.ts";
import { type BotContext, commandContext } from "../bot-context.ts";

/** `/ccc list` (yours) and `/ccc list all` (admins); a store read, so it is answered in the ack. */
export function listCommand(bot: BotContext, userId: string, args: string[]): SlackMessage {
  const all = args[0]?.toLowerCase() === "all";
  const result = list(commandContext(bot, userId), { all });
  return listMessage(result, bot.deps.clock.now());
}
