import { types } from "../../commands/types.ts";
import { typesMessage } from "../blocks/reply-blocks.ts";
import { commandContext } from "../bot-context.ts";
import type { SlashHandler } from "./slash-request.ts";

/** `/ccc types [location]`: what can be created, with prices. */
export const typesCommand: SlashHandler = async (bot, req) => {
  const location = req.args[0]?.toLowerCase();
  const offers = await types(commandContext(bot, req.userId), { location });
  await req.reply(typesMessage(offers, location));
};
