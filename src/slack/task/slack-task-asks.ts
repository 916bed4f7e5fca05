import { callSlack } from "../../adapters/slack/web-client.ts";
import type { ProgressEvent } from "../../commands/command.ts";
import { replyToTask, taskCommand } from "../../commands/task.ts";
import { checkTasksOn } from "../../core/tasks/check-task.ts";
import { followTask } from "../../core/tasks/follow-task.ts";
import { errorText } from "../../doors/error-text.ts";
import { errorMessage, type SlackMessage, section } from "../../render/block-kit/mrkdwn.ts";
import { plainSlackText } from "../../render/block-kit/slack-text.ts";
import { taskAskedMessage, taskRefusedMessage } from "../../render/block-kit/task-blocks.ts";
import { type BotContext, commandContext } from "../bot-context.ts";
import { openDm } from "../direct-message.ts";
import type { SlashRequest } from "../slash/slash-request.ts";
import { withMentionNames } from "./mention-names.ts";
import { postInThread, StatusMessage, type ThreadPlace } from "./status-message.ts";
import { parseMentionTask, parseSlashTask } from "./task-ask.ts";
import type { TaskDoor } from "./task-door.ts";
import { resolveAsk } from "./thread-ask.ts";

// The Slack door of tasks (issue 22): `/ccc task <repo> <what to do>`, a mention of the bot, and a reply
// in a task's thread. Each answers in the thread at once with the status message, then asks the task
// verb's `start` (its audience, schema and rules, as at every door); a refusal (no credential, over the
// limit, no token) replaces the status message with the reason, an acceptance with the verb's answer.

function taskDoorOf(bot: BotContext): TaskDoor {
  if (!bot.taskDoor) throw new Error("this bot has no task door (BotContext.taskDoor)");
  return bot.taskDoor;
}

const startingMessage = (repo: string): SlackMessage => ({
  text: `Getting a machine ready for ${repo}…`,
  blocks: [section(`:hourglass_flowing_sand: Getting a machine ready for \`${repo.replaceAll("`", "'")}\`…`)],
});

/** `/ccc task …`: a new thread in the channel (or the asker's DM when the bot cannot post there). */
export async function taskSlashHook(bot: BotContext, req: SlashRequest): Promise<void> {
  const door = taskDoorOf(bot);
  // Tasks off: said to the asker alone, with no thread posted in the channel for an ask that cannot run.
  try {
    checkTasksOn(bot.deps);
  } catch (error) {
    return req.reply(errorMessage(errorText(error, bot.log, "task in Slack")));
  }
  const ask = resolveAsk(parseSlashTask(await namedText(bot, req.text)), {
    channelRepo: bot.deps.store.channelRepos.get(req.channelId)?.repo ?? null,
    threadTask: null,
    door: "slash",
  });
  if (ask.kind === "say") return req.reply(errorMessage(ask.message));
  if (ask.kind === "continue") return; // a slash command has no thread
  const asked = taskAskedMessage(req.userId, ask.repo, ask.prompt);
  let place = await postParent(bot, req.channelId, asked);
  if (!place) {
    // Not in the channel (or a DM between people): the thread goes to the asker's DM with the bot.
    const dm = await openDm(bot.client, bot.log, req.userId);
    place = dm ? await postParent(bot, dm, asked) : null;
    if (!place)
      return req.reply(errorMessage("I could not post the task's thread; try again, or tell an admin."));
    await req.reply(
      errorMessage(
        "I cannot post in this channel (invite me with /invite @ccc), so the task's thread is in our DM.",
      ),
    );
  }
  await runAsk(bot, door, req.userId, place, ask.repo, ask.prompt);
}

async function postParent(
  bot: BotContext,
  channel: string,
  message: SlackMessage,
): Promise<ThreadPlace | null> {
  const posted = await bot.taskDoor?.threads.pacer.now(channel, () =>
    callSlack(bot.log, "chat.postMessage", () =>
      bot.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks }),
    ),
  );
  return posted?.ts ? { channel, threadTs: posted.ts } : null;
}

/** A message that mentions the bot: a new task, or (in a task's thread, no repository named) a reply to it. */
export async function askFromMention(
  bot: BotContext,
  event: { user: string; text: string; ts: string; channel: string; thread_ts?: string | undefined },
  botUserId: string | undefined,
): Promise<void> {
  const door = taskDoorOf(bot);
  const place: ThreadPlace = { channel: event.channel, threadTs: event.thread_ts ?? event.ts };
  const threadTask = event.thread_ts ? bot.deps.store.tasks.byThread(event.channel, event.thread_ts) : null;
  const text = await namedText(bot, event.text, botUserId);
  const ask = resolveAsk(parseMentionTask(text, botUserId), {
    channelRepo: bot.deps.store.channelRepos.get(event.channel)?.repo ?? null,
    threadTask: threadTask?.id ?? null,
    door: "mention",
  });
  if (ask.kind === "say") {
    await postInThread(bot.client, bot.log, door.threads.pacer, place, taskRefusedMessage(ask.message));
    return;
  }
  if (ask.kind === "continue") return continueTask(bot, door, event.user, place, ask.taskId, ask.prompt);
  await runAsk(bot, door, event.user, place, ask.repo, ask.prompt);
}

/**
 * A message in a thread: when it is a task's thread and the task's owner wrote it, the task goes on with
 * it. Everyone else's messages, and the owner's in other threads, are left alone.
 */
export async function replyInThread(
  bot: BotContext,
  event: {
    user?: string | undefined;
    text?: string | undefined;
    channel: string;
    thread_ts?: string | undefined;
  },
): Promise<void> {
  if (!event.user || !event.thread_ts || !event.text?.trim()) return;
  const task = bot.deps.store.tasks.byThread(event.channel, event.thread_ts);
  if (!task || task.owner !== event.user) return;
  const door = taskDoorOf(bot);
  const place = { channel: event.channel, threadTs: event.thread_ts };
  const prompt = plainSlackText(await namedText(bot, event.text)).trim();
  await continueTask(bot, door, event.user, place, task.id, prompt);
}

/** Slack's text with the people it mentions named (`@Bob`, not `@U0BOB`), as the person saw it. */
function namedText(bot: BotContext, text: string, botUserId?: string): Promise<string> {
  return withMentionNames(text, (id, waitMs) => bot.identity.nameOf(id, waitMs), botUserId);
}

async function continueTask(
  bot: BotContext,
  door: TaskDoor,
  userId: string,
  place: ThreadPlace,
  taskId: string,
  prompt: string,
): Promise<void> {
  const statusTs = await postInThread(
    bot.client,
    bot.log,
    door.threads.pacer,
    place,
    startingMessage("the same task"),
  );
  if (!statusTs) return;
  await begin(bot, door, place, statusTs, async () => {
    const slack = { channel: place.channel, threadTs: place.threadTs, statusTs };
    const started = await replyToTask(commandContext(bot, userId), { taskId, prompt, wait: false, slack });
    // A reply has no verb of its own (its rules are the task's, in replyToTask): the store draws it.
    return { taskId: started.accepted.task.id, answer: null, work: started.work };
  });
}

async function runAsk(
  bot: BotContext,
  door: TaskDoor,
  userId: string,
  place: ThreadPlace,
  repo: string,
  prompt: string,
): Promise<void> {
  const statusTs = await postInThread(bot.client, bot.log, door.threads.pacer, place, startingMessage(repo));
  if (!statusTs) return;
  const slack = { channel: place.channel, threadTs: place.threadTs, statusTs };
  await begin(bot, door, place, statusTs, async () => {
    const ctx = commandContext(bot, userId);
    const raw = { owner: userId, repo, prompt, wait: false, slack };
    const started = await taskCommand.start(ctx, raw);
    const viewer = { now: bot.deps.clock.now(), actor: ctx.actor, sshPort: bot.deps.timing.sshPort };
    return { taskId: started.accepted.subject, answer: started.accepted.blocks(viewer), work: started.work };
  });
}

/** A task the verb accepted: its id, the verb's answer to show at once (null: drawn from the store), the work. */
interface Begun {
  taskId: string;
  answer: SlackMessage | null;
  work: AsyncIterable<ProgressEvent, unknown>;
}

/** Asks the verb; a refusal is said in the status message; the work is followed in the background. */
async function begin(
  bot: BotContext,
  door: TaskDoor,
  place: ThreadPlace,
  statusTs: string,
  start: () => Promise<Begun>,
): Promise<void> {
  let started: Begun;
  try {
    started = await start();
  } catch (error) {
    const reason = errorText(error, bot.log, "task in Slack");
    await door.threads.pacer.update(place.channel, statusTs, async () => {
      await callSlack(bot.log, "chat.update", () =>
        bot.client.chat.update({ channel: place.channel, ts: statusTs, ...taskRefusedMessage(reason) }),
      );
    });
    return;
  }
  const { taskId } = started;
  const task = bot.deps.store.tasks.get(taskId);
  const slack = { channel: place.channel, threadTs: place.threadTs, statusTs };
  // A reply on the same machine inherits the thread; its own status message is the one just posted.
  if (task && task.slack?.statusTs !== statusTs)
    bot.deps.store.tasks.update(taskId, { slack }, bot.deps.clock.now());
  // The verb's answer first; the next state drawn from the store replaces it while it waits its turn.
  if (started.answer) {
    void new StatusMessage(bot.client, bot.log, door.threads.pacer, place.channel, statusTs).show(
      started.answer,
    );
  } else void door.threads.refresh(taskId);
  const refresh = () => void door.threads.refresh(taskId);
  bot.tasks.run(`task ${taskId}`, async () => {
    // The machine made ready and Claude Code started; then followed here, until the bot stops (when the
    // next one takes it up from the last recorded line).
    const iterator = started.work[Symbol.asyncIterator]();
    for (;;) {
      const next = await iterator.next();
      refresh();
      if (next.done) break;
    }
    if (!door.stopping.aborted) await followTask(bot.deps, taskId, refresh, door.stopping);
    await door.threads.refresh(taskId);
  });
}
