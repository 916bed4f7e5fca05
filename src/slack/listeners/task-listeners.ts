import type { App, BlockAction, ButtonAction, RespondFn } from "@slack/bolt";
import { ForbiddenError, NotFoundError } from "../../core/errors.ts";
import { isLive } from "../../core/instances/instance.ts";
import { cancelTask, deleteTaskMachine, keepTaskMachine } from "../../core/tasks/end-task.ts";
import { errorText } from "../../doors/error-text.ts";
import { errorMessage } from "../../render/block-kit/mrkdwn.ts";
import { TASK_ACTIONS, taskShellMessage } from "../../render/block-kit/task-blocks.ts";
import { type BotContext, commandContext } from "../bot-context.ts";
import { sendDm } from "../direct-message.ts";
import { askFromMention, replyInThread } from "../task/slack-task-asks.ts";

/**
 * Tasks in Slack (issue 22): a mention of the bot asks for one; the owner's reply in its thread continues
 * it; the status message's buttons cancel it, DM the machine's ssh line, keep or delete its machine.
 * Events are acked by Bolt at once; the work follows.
 */
export function registerTaskListeners(app: App, bot: BotContext): void {
  app.event("app_mention", async ({ event, context }) => {
    const { user } = event;
    if (!user) return;
    await bot.tasks.track(() => askFromMention(bot, { ...event, user }, context.botUserId));
  });

  app.event("message", async ({ event, context }) => {
    const message = event as {
      subtype?: string;
      bot_id?: string;
      user?: string;
      text?: string;
      channel: string;
      thread_ts?: string;
    };
    // Only people's plain replies in threads; a mention of the bot is the app_mention's to answer.
    if (message.subtype || message.bot_id || !message.thread_ts) return;
    if (context.botUserId && message.text?.includes(`<@${context.botUserId}`)) return;
    await bot.tasks.track(() => replyInThread(bot, message));
  });

  for (const actionId of Object.values(TASK_ACTIONS)) {
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
  const taskId = (body.actions[0] as ButtonAction).value ?? "";
  const ctx = commandContext(bot, body.user.id);
  try {
    switch (actionId) {
      case TASK_ACTIONS.cancel:
        await cancelTask(bot.deps, ctx.actor, taskId);
        break;
      case TASK_ACTIONS.keep:
        await bot.gate.serial(taskId, () => keepTaskMachine(bot.deps, ctx.actor, taskId));
        break;
      case TASK_ACTIONS.deleteNow:
        await bot.gate.serial(taskId, () => deleteTaskMachine(bot.deps, ctx.actor, taskId));
        break;
      case TASK_ACTIONS.shell:
        await openShell(bot, body.user.id, taskId, respond);
        return;
    }
    await bot.taskDoor?.threads.refresh(taskId);
  } catch (error) {
    await say(respond, errorText(error, bot.log, `task button ${actionId}`));
  }
}

/** DMs the ssh line and host key of the task's machine: to its owner, an admin, or someone it is shared with. */
async function openShell(bot: BotContext, userId: string, taskId: string, respond: RespondFn): Promise<void> {
  const task = bot.deps.store.tasks.get(taskId.trim().toLowerCase());
  if (!task) throw new NotFoundError(`There is no task ${taskId}.`);
  const instance = task.instanceId ? bot.deps.store.get(task.instanceId) : null;
  if (!instance || !isLive(instance.status) || instance.status === "deleting") {
    return say(respond, `${task.id}'s machine is gone.`);
  }
  const guest = bot.deps.store.guests.list(instance.id).find((g) => g.guest === userId);
  const mayLogIn = userId === task.owner || bot.identity.isAdmin(userId) || guest !== undefined;
  if (!mayLogIn) {
    throw new ForbiddenError(
      `${task.id}'s machine is not yours: ask its owner to share it with you (/ccc share ${instance.id} @you).`,
    );
  }
  const login = guest?.account ?? "claude";
  const sent = await sendDm(
    bot.client,
    bot.log,
    userId,
    taskShellMessage(task, instance, login, bot.deps.timing.sshPort),
  );
  if (!sent) await say(respond, "The DM with the ssh line did not arrive; try again.");
}

async function say(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: "ephemeral", replace_original: false, ...errorMessage(text) }).catch(
    () => {},
  );
}
