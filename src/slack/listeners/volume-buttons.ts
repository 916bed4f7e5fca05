import type { App, BlockAction, ButtonAction, RespondFn } from "@slack/bolt";
import { volumeCommand } from "../../commands/volume.ts";
import { keepWorkVolume, parseVolumeId } from "../../core/volumes/volume-views.ts";
import { DUPLICATE } from "../../doors/action-gate.ts";
import { errorText } from "../../doors/error-text.ts";
import { errorMessage, type SlackMessage, section } from "../../render/block-kit/mrkdwn.ts";
import { VOLUME_ACTIONS } from "../../render/block-kit/volume-blocks.ts";
import { type BotContext, commandContext } from "../bot-context.ts";

/**
 * The volume delete confirmation and the retention reminder's "Keep it". The value is only the volume
 * id; the store decides whose it is and whether it may go.
 */
export function registerVolumeButtons(app: App, bot: BotContext): void {
  for (const actionId of Object.values(VOLUME_ACTIONS)) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, respond }) => {
      await ack();
      await bot.tasks.track(() => click(bot, actionId, body, respond));
    });
  }
}

async function click(bot: BotContext, actionId: string, body: BlockAction<ButtonAction>, respond: RespondFn) {
  const value = body.actions[0]?.value ?? "";
  const ctx = commandContext(bot, body.user.id);
  let answer: SlackMessage;
  try {
    const id = parseVolumeId(value);
    const key = [body.user.id, actionId, id, body.container?.message_ts ?? ""].join(":");
    const outcome = await bot.gate.run(`volume:${id}`, key, async (): Promise<SlackMessage> => {
      if (actionId === VOLUME_ACTIONS.keep) {
        const until = keepWorkVolume(bot.deps, ctx.actor, id);
        const text = `Volume ${id} is kept: it is deleted only if unused until ${until.toISOString().slice(0, 10)}.`;
        return { text, blocks: [section(`:white_check_mark: ${text}`)] };
      }
      const shown = await volumeCommand.execute(ctx, { action: "delete", id, confirmed: true });
      return shown.blocks({ now: bot.deps.clock.now(), actor: ctx.actor, sshPort: bot.deps.timing.sshPort });
    });
    if (outcome === DUPLICATE) return;
    answer = outcome;
  } catch (error) {
    answer = errorMessage(errorText(error, bot.log, `button ${actionId}`));
  }
  await respond({ replace_original: true, text: answer.text, blocks: answer.blocks }).catch(
    (error: unknown) => bot.log.warn("response_url failed", { error: String(error) }),
  );
}
