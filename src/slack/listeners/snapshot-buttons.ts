import type { App, BlockAction, ButtonAction, RespondFn } from "@slack/bolt";
import { saveCommand } from "../../commands/save.ts";
import { snapshotCommand } from "../../commands/snapshot.ts";
import { normalizeInstanceId } from "../../core/instances/instance-id.ts";
import { DUPLICATE } from "../../doors/action-gate.ts";
import { errorText } from "../../doors/error-text.ts";
import { errorMessage, type SlackMessage } from "../../render/block-kit/mrkdwn.ts";
import { SNAPSHOT_ACTIONS } from "../../render/snapshot-notices.ts";
import { type BotContext, commandContext } from "../bot-context.ts";
import { startInSlack } from "../long-verb.ts";

/**
 * "Save & delete" (ready and reminder DMs) and "Keep 7 more days" (a snapshot's retention DM). The
 * value is only an id; the verbs decide who may, and the answer is what is true now.
 */
export function registerSnapshotButtons(app: App, bot: BotContext): void {
  for (const actionId of Object.values(SNAPSHOT_ACTIONS)) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, respond }) => {
      await ack();
      await bot.tasks.track(() => click(bot, actionId, body, respond));
    });
  }
}

async function click(bot: BotContext, actionId: string, body: BlockAction<ButtonAction>, respond: RespondFn) {
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
  if (actionId === SNAPSHOT_ACTIONS.save) {
    // Answered once the save is checked and recorded; a DM follows the snapshot and the delete.
    await bot.gate.run(id, clickKey, () => startInSlack(bot, body.user.id, saveCommand, { id }, send));
    return;
  }
  const viewer = { now: bot.deps.clock.now(), actor: ctx.actor, sshPort: bot.deps.timing.sshPort };
  let message: SlackMessage;
  try {
    const outcome = await bot.gate.run(id, clickKey, () =>
      snapshotCommand.execute(ctx, { action: "keep", id }),
    );
    if (outcome === DUPLICATE) return;
    message = outcome.blocks({ ...viewer, now: bot.deps.clock.now() });
  } catch (error) {
    message = errorMessage(errorText(error, bot.log, `button ${actionId}`));
  }
  await send(message);
}
