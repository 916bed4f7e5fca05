import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { againCommand } from "../../commands/again.ts";
import { DUPLICATE } from "../../doors/action-gate.ts";
import { ACTIONS } from "../../render/block-kit/instance-blocks.ts";
import type { BotContext } from "../bot-context.ts";
import { startInSlack } from "../long-verb.ts";

/** The **Again** button under a "deleted" DM: runs `again` for whoever clicks it (their own last request). */
export function registerAgainButton(app: App, bot: BotContext): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.again, async ({ ack, body, respond }) => {
    await ack();
    const userId = body.user.id;
    const surface = body.container as { message_ts?: string };
    // A double click makes one machine, not two; clicks by one person run one after another.
    const clickKey = [userId, ACTIONS.again, surface.message_ts ?? ""].join(":");
    await bot.tasks.track(async () => {
      const outcome = await bot.gate.run(`again:${userId}`, clickKey, () =>
        startInSlack(bot, userId, againCommand, {}, async (message) => {
          await respond({ response_type: "ephemeral", replace_original: false, ...message }).catch(
            (error: unknown) => bot.log.warn("response_url failed", { error: String(error) }),
          );
        }),
      );
      if (outcome === DUPLICATE) bot.log.info("duplicate click ignored", { action: ACTIONS.again });
    });
  });
}
