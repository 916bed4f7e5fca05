import type { App, BlockAction, ButtonAction, RespondFn } from "@slack/bolt";
import { callSlack } from "../../adapters/slack/web-client.ts";
import { deprovision } from "../../commands/deprovision.ts";
import { extend } from "../../commands/extend.ts";
import { ForbiddenError } from "../../core/errors.ts";
import { normalizeInstanceId } from "../../core/instances/instance-id.ts";
import { DUPLICATE } from "../../doors/action-gate.ts";
import { errorText } from "../../doors/error-text.ts";
import { ACTIONS, currentMessage, EXTEND_HOURS } from "../../render/block-kit/instance-blocks.ts";
import { errorMessage } from "../../render/block-kit/mrkdwn.ts";
import { type BotContext, commandContext } from "../bot-context.ts";
import { publishHome } from "../home.ts";

const INSTANCE_ACTIONS = [ACTIONS.extend1h, ACTIONS.extend4h, ACTIONS.delete];

/**
 * Extend and Delete buttons (DMs, replies, App Home). The value is only an instance id; the store
 * decides the rest, and the message is redrawn from the instance as it is now.
 */
export function registerInstanceButtons(app: App, bot: BotContext): void {
  for (const actionId of INSTANCE_ACTIONS) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, respond }) => {
      await ack();
      await bot.tasks.track(() => click(bot, actionId, body, respond));
    });
  }
}

async function click(
  bot: BotContext,
  actionId: string,
  body: BlockAction<ButtonAction>,
  respond: RespondFn,
): Promise<void> {
  const action = body.actions[0] as ButtonAction;
  const userId = body.user.id;
  // Before the gate keys and the lookup: one machine, one spelling.
  const id = normalizeInstanceId(action.value ?? "");
  const ctx = commandContext(bot, userId);
  const surface = body.container as { type?: string; message_ts?: string; is_ephemeral?: boolean };
  const clickKey = [userId, actionId, id, surface.message_ts ?? body.view?.id ?? ""].join(":");
  let problem: string | null = null;
  let refused = false;
  try {
    const hours = EXTEND_HOURS[actionId];
    const outcome = await bot.gate.run(
      id,
      clickKey,
      async (): Promise<unknown> =>
        hours === undefined ? deprovision(ctx, { id }) : extend(ctx, { id, hours }),
    );
    if (outcome === DUPLICATE) bot.log.info("duplicate click ignored", { instance: id, action: actionId });
  } catch (error) {
    problem = errorText(error, bot.log, `button ${actionId}`);
    refused = error instanceof ForbiddenError;
  }
  // Someone else's (or no) instance: answer, but do not redraw what they may not see.
  const instance = refused ? null : bot.deps.store.get(id);
  if (surface.type === "view" || body.view?.type === "home") {
    await publishHome(bot, userId, problem ?? undefined);
    return;
  }
  if (instance && body.channel?.id && surface.message_ts && !surface.is_ephemeral) {
    const { text, blocks } = currentMessage(instance, bot.deps.clock.now());
    const channel = body.channel.id;
    const ts = surface.message_ts;
    await callSlack(bot.log, "chat.update", () => bot.client.chat.update({ channel, ts, text, blocks }));
  } else if (instance && surface.is_ephemeral && !problem) {
    const { text, blocks } = currentMessage(instance, bot.deps.clock.now());
    await respond({ response_type: "ephemeral", replace_original: false, text, blocks }).catch(() => {});
  }
  if (problem) {
    const { text, blocks } = errorMessage(problem);
    await respond({ response_type: "ephemeral", replace_original: false, text, blocks }).catch(
      (error: unknown) => bot.log.warn("response_url failed", { error: String(error) }),
    );
  }
}
