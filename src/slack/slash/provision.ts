import { errorMessage } from "../blocks/reply-blocks.ts";
import type { BotContext } from "../bot-context.ts";
import { provisionModalFor } from "../provision-modal-data.ts";
import { callSlack } from "../web-client.ts";
import type { SlashHandler } from "./slash-request.ts";

/** Opens the provision modal: from cached lists only, since the trigger id lives 3 seconds. */
export async function openProvisionModal(
  bot: BotContext,
  userId: string,
  triggerId: string,
): Promise<boolean> {
  const view = await provisionModalFor(bot, userId);
  const opened = await callSlack(bot.log, "views.open", () =>
    bot.client.views.open({ trigger_id: triggerId, view }),
  );
  return opened !== null;
}

export const provisionCommand: SlashHandler = async (bot, req) => {
  if (!(await openProvisionModal(bot, req.userId, req.triggerId))) {
    await req.reply(errorMessage("The form did not open in time; try /ccc provision again."));
  }
};
