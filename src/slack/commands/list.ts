import { list } from "../../commands/list.ts";
import { listMessage } from "../blocks/reply-blocks.ts";
import { commandContext } from "../bot-context.ts";
import type { SlashHandler } from "./slash-request.ts";

/** `/ccc list` (yours) and `/ccc list all` (admins). */
export const listCommand: SlashHandler = async (bot, req) => {
  const all = req.args[0]?.toLowerCase() === "all";
  const result = list(commandContext(bot, req.userId), { all });
  await req.reply(listMessage(result, bot.deps.clock.now()));
};
