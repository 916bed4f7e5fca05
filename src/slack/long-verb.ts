import type { Command } from "../commands/command.ts";
import { commandContext } from "../doors/door-context.ts";
import { errorText } from "../doors/error-text.ts";
import { followWork } from "../doors/follow-work.ts";
import { errorMessage, type SlackMessage } from "../render/block-kit/mrkdwn.ts";
import type { BotContext } from "./bot-context.ts";

/**
 * A long-running verb from Slack (`/ccc again`, the Again button): its `start` checks and records,
 * the person gets its answer at once (a refusal in plain words instead), and a DM follows the work
 * to its end, edited in place.
 */
export async function startInSlack(
  bot: BotContext,
  userId: string,
  verb: Command,
  raw: unknown,
  reply: (message: SlackMessage) => Promise<void>,
): Promise<void> {
  const ctx = commandContext(bot, userId);
  let started: Awaited<ReturnType<Command["start"]>>;
  try {
    started = await verb.start(ctx, raw);
  } catch (error) {
    await reply(errorMessage(errorText(error, bot.log, verb.name)));
    return;
  }
  bot.log.info(`${verb.name} accepted`, { instance: started.accepted.subject, owner: userId });
  await reply(started.accepted.blocks({ now: bot.deps.clock.now(), actor: ctx.actor }));
  followWork(bot, ctx, verb.name, started);
}
