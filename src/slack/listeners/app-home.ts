import type { App, BlockAction } from "@slack/bolt";
import { ACTIONS } from "../../render/block-kit/instance-blocks.ts";
import type { BotContext } from "../bot-context.ts";
import { publishHome } from "../home.ts";
import { openProvisionModal } from "../slash/hooks.ts";

/** The App Home tab: drawn when opened; its "New machine" button opens the provision modal. */
export function registerAppHome(app: App, bot: BotContext): void {
  app.event("app_home_opened", async ({ event }) => {
    if (event.tab !== "home") return;
    await bot.tasks.track(() => publishHome(bot, event.user));
  });

  app.action<BlockAction>(ACTIONS.newMachine, async ({ ack, body }) => {
    await ack();
    await bot.tasks.track(() => openProvisionModal(bot, body.user.id, body.trigger_id));
  });
}
