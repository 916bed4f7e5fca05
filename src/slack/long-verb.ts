import type { Command } from "../commands/command.ts";
import { commandContext } from "../doors/door-context.ts";
import { errorText } from "../doors/error-text.ts";
import { followWork } from "../doors/follow-work.ts";
import { errorMessage, type SlackMessage } from "../render/block-kit/mrkdwn.ts";
import type { BotContext } from "./bot-context.ts";

/**
 * A long-running verb from Slack (`/ccc again`, `/ccc save|restore|wake`, the Again button): its
 * `start` checks and records, the person gets its answer at once (a refusal in plain words instead),
 * and a DM follows the work to its end, edited in place. `serialOn`: the machine whose earlier
 * actions (double clicks, quick retries) the start waits for.
 */
export async function startInSlack(
  bot: BotContext,
  userId: string,
  verb: Command,
  raw: unknown,
  reply: (message: SlackMessage) => Promise<void>,
  serialOn?: string,
): Promise<void> {
  const ctx = commandContext(bot, userId);
  let started: Awaited<ReturnType<Command["start"]>>;
  try {
    const start = () => verb.start(ctx, raw);
    started = serialOn ? await bot.gate.serial(serialOn, start) : await start();
  } catch (error) {
    await reply(errorMessage(errorText(error, bot.log, verb.name)));
    return;
  }
  bot.log.info(`${verb.name} accepted`, { instance: started.accepted.subject, owner: userId });
  await reply(started.accepted.blocks({ now: bot.deps.clock.now(), actor: ctx.actor }));
  followWork(bot, ctx, verb.name, started);
}
