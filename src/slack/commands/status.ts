import { list } from "../../commands/list.ts";
import { status } from "../../commands/status.ts";
import { listMessage, statusMessage } from "../blocks/reply-blocks.ts";
import { commandContext } from "../bot-context.ts";
import type { SlashHandler } from "./slash-request.ts";

/** `/ccc status <id>`, or without an id: your one machine, or the list of them. */
export const statusCommand: SlashHandler = async (bot, req) => {
  const ctx = commandContext(bot, req.userId);
  const now = bot.deps.clock.now();
  const [id] = req.args;
  if (id) {
    const result = status(ctx, { id });
    await req.reply(statusMessage(result, now, result.instance.owner !== req.userId));
    return;
  }
  const mine = list(ctx, {});
  const [only] = mine.instances;
  if (mine.instances.length === 1 && only) {
    await req.reply(statusMessage(status(ctx, { id: only.id }), now, false));
    return;
  }
  await req.reply(listMessage(mine, now));
};
