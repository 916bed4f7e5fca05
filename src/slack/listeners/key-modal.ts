import type { App, BlockAction, ButtonAction, ViewSubmitAction } from "@slack/bolt";
import { callSlack } from "../../adapters/slack/web-client.ts";
import { parseInput } from "../../commands/input.ts";
import { key, keyBlocks, keyInput } from "../../commands/key.ts";
import { errorText } from "../../doors/error-text.ts";
import { KEY_CALLBACK, KEY_FIELD, keyModal, readKeyState } from "../../render/block-kit/key-modal.ts";
import { errorMessage, type SlackMessage } from "../../render/block-kit/mrkdwn.ts";
import { SET_KEY_ACTION } from "../../render/block-kit/share-blocks.ts";
import { type BotContext, commandContext } from "../bot-context.ts";
import { sendDm } from "../direct-message.ts";

type ViewState = Parameters<typeof readKeyState>[0];

/** Opens the key form; the trigger id lives 3 seconds, so only the store is read first. */
export async function openKeyModal(bot: BotContext, userId: string, triggerId: string): Promise<boolean> {
  const view = keyModal(bot.deps.store.currentKeyOf(userId));
  const opened = await callSlack(bot.log, "views.open", () =>
    bot.client.views.open({ trigger_id: triggerId, view }),
  );
  return opened !== null;
}

/**
 * The key form: opened by `/ccc key` and by the "Set my SSH key" button of a share waiting for a
 * key; its submission runs the `key` verb, which completes those shares.
 */
export function registerKeyModal(app: App, bot: BotContext): void {
  app.action<BlockAction<ButtonAction>>(SET_KEY_ACTION, async ({ ack, body }) => {
    await ack();
    await openKeyModal(bot, body.user.id, body.trigger_id);
  });

  app.view<ViewSubmitAction>(KEY_CALLBACK, async ({ ack, body, view }) => {
    const userId = body.user.id;
    // The entered key is never logged: core's messages never echo it.
    const input = {
      action: "set" as const,
      user: userId,
      sshKey: readKeyState(view.state.values as ViewState),
    };
    try {
      // Checked before the ack, so a refused key lands on the field and nothing is written.
      parseInput(keyInput, input);
    } catch (error) {
      const message = errorText(error, bot.log, "key modal").slice(0, 1900);
      await ack({ response_action: "errors", errors: { [KEY_FIELD]: message } });
      return;
    }
    await ack({ response_action: "clear" });
    // Completing waiting shares reaches machines over SSH: after the ack, with the outcome by DM.
    await bot.tasks.track(async () => {
      let message: SlackMessage;
      try {
        message = keyBlocks(await key(commandContext(bot, userId), input));
      } catch (error) {
        message = errorMessage(errorText(error, bot.log, "key modal"));
      }
      await sendDm(bot.client, bot.log, userId, message);
    });
  });
}
