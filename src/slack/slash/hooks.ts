import { callSlack } from "../../adapters/slack/web-client.ts";
import { againCommand } from "../../commands/again.ts";
import type { SlackDoor } from "../../commands/command.ts";
import { errorMessage } from "../../render/block-kit/mrkdwn.ts";
import type { BotContext } from "../bot-context.ts";
import { openKeyModal } from "../listeners/key-modal.ts";
import { provisionModalFor } from "../listeners/provision-modal-data.ts";
import { startInSlack } from "../long-verb.ts";
import { taskSlashHook } from "../task/slack-task-asks.ts";
import type { SlashRequest } from "./slash-request.ts";
import { tokenHook } from "./token-hook.ts";

/** What the Slack door does for a verb whose registry entry names a hook, instead of running it at once. */
export type SlashHook = (bot: BotContext, request: SlashRequest) => Promise<void>;

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

/** Every hook a verb may name; the type makes a missing one a compile error. */
export const SLASH_HOOKS: Record<NonNullable<SlackDoor["hook"]>, SlashHook> = {
  // The form's submission runs the provision verb's schema and rules (listeners/provision-modal.ts).
  "provision-modal": async (bot, req) => {
    if (!(await openProvisionModal(bot, req.userId, req.triggerId))) {
      await req.reply(errorMessage("The form did not open in time; try /ccc provision again."));
    }
  },
  // The form's submission runs the key verb (listeners/key-modal.ts).
  "key-modal": async (bot, req) => {
    if (!(await openKeyModal(bot, req.userId, req.triggerId))) {
      await req.reply(errorMessage("The form did not open in time; try /ccc key again."));
    }
  },
  "token-dm": tokenHook,
  again: (bot, req) => startInSlack(bot, req.userId, againCommand, {}, req.reply),
  // The words after `task` verbatim (lines kept); answered in a thread (src/slack/task/).
  "task-thread": taskSlashHook,
};
