import { acceptAgain } from "../commands/again.ts";
import { errorMessage, escapeText, type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { type BotContext, commandContext } from "./bot-context.ts";
import { errorText } from "./errors.ts";
import { startProvisionFlow } from "./provision-flow.ts";

/**
 * `/ccc again` and the **Again** button: records a machine like the person's last one (every rule
 * of a fresh request applies), answers at once, and builds it with the same DM as the form does.
 */
export async function startAgain(
  bot: BotContext,
  userId: string,
  reply: (message: SlackMessage) => Promise<void>,
): Promise<void> {
  let accepted: Awaited<ReturnType<typeof acceptAgain>>;
  try {
    accepted = await acceptAgain(commandContext(bot, userId), {});
  } catch (error) {
    await reply(errorMessage(errorText(error, bot.log, "again")));
    return;
  }
  const { instance, description } = accepted;
  bot.log.info("again accepted", { instance: instance.id, owner: userId });
  const text = `Creating ${instance.id} like last time: ${description}. Watch your DMs.`;
  await reply({
    text,
    blocks: [
      section(
        `:repeat: Creating *${instance.id}* like last time: ${escapeText(description)}. Watch your DMs.`,
      ),
    ],
  });
  startProvisionFlow(bot, userId, instance);
}
