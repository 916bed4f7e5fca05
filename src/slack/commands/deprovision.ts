import { deprovision, deprovisionText } from "../../commands/deprovision.ts";
import { UserError } from "../../core/errors.ts";
import { normalizeInstanceId } from "../../core/instances/instance-id.ts";
import { textMessage } from "../blocks/reply-blocks.ts";
import { commandContext } from "../bot-context.ts";
import type { SlashHandler } from "./slash-request.ts";

/** `/ccc deprovision <id>`: deletes now. */
export const deprovisionCommand: SlashHandler = async (bot, req) => {
  const [id] = req.args;
  if (!id) throw new UserError("Usage: /ccc deprovision <id>, e.g. /ccc deprovision ccc-7f3k2q");
  const ctx = commandContext(bot, req.userId);
  const result = await bot.gate.serial(normalizeInstanceId(id), () => deprovision(ctx, { id }));
  await req.reply(textMessage(deprovisionText(result)));
};
