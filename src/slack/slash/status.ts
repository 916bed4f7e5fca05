import { list } from "../../commands/list.ts";
import { status } from "../../commands/status.ts";
import type { SlackMessage } from "../blocks/instance-blocks.ts";
import { listMessage, statusMessage } from "../blocks/reply-blocks.ts";
import { type BotContext, commandContext } from "../bot-context.ts";

/** `/ccc status <id>`, or without an id: your one machine, or the list of them. Answered in the ack. */
export function statusCommand(bot: BotContext, userId: string, args: string[]): SlackMessage {
  const ctx = commandContext(bot, userId);
  const now = bot.deps.clock.now();
  const [id] = args;
  if (id) {
    const result = status(ctx, { id });
    return statusMessage(result, now, result.instance.owner !== userId);
  }
  const mine = list(ctx, {});
  const [only] = mine.instances;
  if (mine.instances.length === 1 && only) return statusMessage(status(ctx, { id: only.id }), now, false);
  return listMessage(mine, now);
}
