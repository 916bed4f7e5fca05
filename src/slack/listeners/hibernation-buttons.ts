import type { App, BlockAction, ButtonAction, RespondFn } from "@slack/bolt";
import { hibernateCommand } from "../../commands/hibernate.ts";
import { keepAwakeCommand } from "../../commands/keep-awake.ts";
import { wakeCommand } from "../../commands/wake.ts";
import { normalizeInstanceId } from "../../core/instances/instance-id.ts";
import { DUPLICATE } from "../../doors/action-gate.ts";
import { errorText } from "../../doors/error-text.ts";
import { errorMessage, type SlackMessage } from "../../render/block-kit/mrkdwn.ts";
import { HIBERNATION_ACTIONS } from "../../render/hibernation-notices.ts";
import { type BotContext, commandContext } from "../bot-context.ts";
import { startInSlack } from "../long-verb.ts";

const VERBS = {
  [HIBERNATION_ACTIONS.keepRunning]: keepAwakeCommand,
  [HIBERNATION_ACTIONS.hibernateNow]: hibernateCommand,
  [HIBERNATION_ACTIONS.wake]: wakeCommand,
} as const;

/**
 * "Keep running" and "Hibernate now" (the idle warning) and "Wake" (the hibernation DM). The value
 * is only an id; the verbs decide who may, and the answer is what is true now.
 */
export function registerHibernationButtons(app: App, bot: BotContext): void {
  for (const actionId of Object.values(HIBERNATION_ACTIONS)) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, respond }) => {
      await ack();
      await bot.tasks.track(() => click(bot, actionId, body, respond));
    });
  }
}

async function click(
  bot: BotContext,
  actionId: (typeof HIBERNATION_ACTIONS)[keyof typeof HIBERNATION_ACTIONS],
  body: BlockAction<ButtonAction>,
  respond: RespondFn,
) {
  const id = normalizeInstanceId((body.actions[0] as ButtonAction).value ?? "");
  const ctx = commandContext(bot, body.user.id);
  const surface = body.container as { message_ts?: string };
  const clickKey = [body.user.id, actionId, id, surface.message_ts ?? ""].join(":");
  const send = async (message: SlackMessage): Promise<void> => {
    await respond({
      response_type: "ephemeral",
      replace_original: false,
      ...message,
    } as Parameters<RespondFn>[0]).catch((error: unknown) =>
      bot.log.warn("response_url failed", { error: String(error) }),
    );
  };
  const verb = VERBS[actionId];
  if (verb.longRunning) {
    // Wake: answered once it is checked and recorded; the wake tells the owner how it ended.
    await bot.gate.run(id, clickKey, () => startInSlack(bot, body.user.id, verb, { id }, send));
    return;
  }
  let message: SlackMessage;
  try {
    const outcome = await bot.gate.run(id, clickKey, () => verb.execute(ctx, { id }));
    if (outcome === DUPLICATE) return;
    message = outcome.blocks({ now: bot.deps.clock.now(), actor: ctx.actor });
  } catch (error) {
    message = errorMessage(errorText(error, bot.log, `button ${actionId}`));
  }
  await send(message);
}
