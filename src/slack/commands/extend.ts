import { extend } from "../../commands/extend.ts";
import { UserError } from "../../core/errors.ts";
import { normalizeInstanceId } from "../../core/instances/instance-id.ts";
import { instanceCard } from "../blocks/instance-blocks.ts";
import { commandContext } from "../bot-context.ts";
import { section } from "../mrkdwn.ts";
import type { SlashHandler } from "./slash-request.ts";

/** `/ccc extend <id> <hours>`. */
export const extendCommand: SlashHandler = async (bot, req) => {
  const [id, hours] = req.args;
  if (!id || !hours) throw new UserError("Usage: /ccc extend <id> <hours>, e.g. /ccc extend ccc-7f3k2q 2");
  const ctx = commandContext(bot, req.userId);
  const instance = await bot.gate.serial(normalizeInstanceId(id), () => extend(ctx, { id, hours }));
  const now = bot.deps.clock.now();
  await req.reply({
    text: `${instance.id} extended by ${hours} h.`,
    blocks: [
      section(`:white_check_mark: Extended *${instance.id}* by ${hours} h.`),
      ...instanceCard(instance, now),
    ],
  });
};
