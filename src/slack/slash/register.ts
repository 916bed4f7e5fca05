import type { App, RespondFn, SlashCommand } from "@slack/bolt";
import { slackPeople } from "../../adapters/slack/slack-people.ts";
import { callSlack } from "../../adapters/slack/web-client.ts";
import type { Command } from "../../commands/index.ts";
import { UserError } from "../../core/errors.ts";
import { normalizeInstanceId } from "../../core/instances/instance-id.ts";
import { BARE_NAME, resolveBareNames } from "../../core/instances/owner.ts";
import { looksLikeSecret, PASTED_SECRET_HINT } from "../../core/secrets/looks-like-secret.ts";
import { errorText } from "../../doors/error-text.ts";
import { errorMessage, type SlackMessage } from "../../render/block-kit/mrkdwn.ts";
import { type BotContext, commandContext } from "../bot-context.ts";
import { startInSlack } from "../long-verb.ts";
import { helpMessage } from "./help.ts";
import { SLASH_HOOKS } from "./hooks.ts";
import { parseCommandText, requiredWords } from "./parse.ts";
import type { SlashRequest } from "./slash-request.ts";

/**
 * `/ccc …`, for every verb in the registry with a Slack door. Help and store reads are answered
 * in the ack itself; everything that calls out acks empty at once, then works and answers
 * ephemerally through the response URL; a long-running verb answers once its `start` has checked
 * and recorded, and a DM follows the rest.
 */
export function registerSlashCommand(app: App, bot: BotContext, name = "/ccc"): void {
  app.command(name, async ({ ack, command, respond }) => {
    // Slack keeps every message unmasked: a pasted key or token is refused here, before any verb,
    // log line or answer sees it (docs/secrets.md).
    if (looksLikeSecret(command.text)) {
      await ack({ response_type: "ephemeral", ...errorMessage(PASTED_SECRET_HINT) });
      return;
    }
    const parsed = parseCommandText(command.text);
    if (parsed.kind !== "verb") {
      const help = helpMessage(parsed.kind === "unknown" ? parsed : undefined);
      await ack({ response_type: "ephemeral", text: help.text, blocks: help.blocks });
      return;
    }
    // A bare @name is looked up in Slack's member list: not within the ack's 3 s.
    if (parsed.command.doors.slack?.inAck && !parsed.words.some((w) => BARE_NAME.test(w))) {
      const answer = await answerFor(bot, command.user_id, parsed.command, parsed.words, command.channel_id);
      await ack({ response_type: "ephemeral", text: answer.text, blocks: answer.blocks });
      return;
    }
    await ack();
    await bot.tasks.track(() => answerLater(bot, command, respond, parsed.command, parsed.words));
  });
}

/** The verb's raw input from the words typed (bare @names looked up), or the usage line it needs. */
async function slashInput(
  bot: BotContext,
  verb: Command,
  words: readonly string[],
  channelId?: string,
): Promise<unknown> {
  const slack = verb.doors.slack;
  if (!slack) throw new Error(`${verb.name} has no Slack door`);
  if (words.length < requiredWords(slack.usage)) {
    const example = slack.example ? `, e.g. /ccc ${slack.example}` : "";
    throw new UserError(`Usage: /ccc ${slack.usage}${example}`);
  }
  const named = await resolveBareNames(words, slackPeople(bot.client));
  return slack.input(named, { channelId });
}

/** Two commands or clicks on one machine run one after another; the first word names it. */
function serialKey(verb: Command, words: readonly string[]): string | undefined {
  const [first] = words;
  return verb.doors.slack?.serialized && first ? normalizeInstanceId(first) : undefined;
}

/** Runs the verb for this user and renders its answer, or the refusal or failure. */
async function answerFor(
  bot: BotContext,
  userId: string,
  verb: Command,
  words: readonly string[],
  channelId?: string,
): Promise<SlackMessage> {
  try {
    const ctx = commandContext(bot, userId);
    const raw = await slashInput(bot, verb, words, channelId);
    const execute = () => verb.execute(ctx, raw);
    const serialOn = serialKey(verb, words);
    const shown = serialOn ? await bot.gate.serial(serialOn, execute) : await execute();
    return shown.blocks({ now: bot.deps.clock.now(), actor: ctx.actor, sshPort: bot.deps.timing.sshPort });
  } catch (error) {
    return errorMessage(errorText(error, bot.log, `/ccc ${verb.name}`));
  }
}

/**
 * A long-running verb (`/ccc save|restore|wake`): its `start`'s answer (or refusal) at once, then a DM
 * that follows the work to its end, edited in place, as the form, `again` and the buttons do.
 */
async function startFor(
  bot: BotContext,
  userId: string,
  verb: Command,
  words: readonly string[],
  channelId: string,
  reply: (message: SlackMessage) => Promise<void>,
): Promise<void> {
  let raw: unknown;
  try {
    raw = await slashInput(bot, verb, words, channelId);
  } catch (error) {
    await reply(errorMessage(errorText(error, bot.log, `/ccc ${verb.name}`)));
    return;
  }
  await startInSlack(bot, userId, verb, raw, reply, serialKey(verb, words));
}

async function answerLater(
  bot: BotContext,
  command: SlashCommand,
  respond: RespondFn,
  verb: Command,
  words: readonly string[],
): Promise<void> {
  const reply = async (message: SlackMessage) => {
    try {
      await respond({ response_type: "ephemeral", text: message.text, blocks: message.blocks });
    } catch (error) {
      bot.log.warn("response_url failed; trying chat.postEphemeral", { error: String(error) });
      await callSlack(bot.log, "chat.postEphemeral", () =>
        bot.client.chat.postEphemeral({ channel: command.channel_id, user: command.user_id, ...message }),
      );
    }
  };
  const hook = verb.doors.slack?.hook;
  if (!hook) {
    if (verb.longRunning) {
      await startFor(bot, command.user_id, verb, words, command.channel_id, reply);
      return;
    }
    await reply(await answerFor(bot, command.user_id, verb, words, command.channel_id));
    return;
  }
  const request: SlashRequest = {
    userId: command.user_id,
    words,
    text: command.text.replace(/^\s*\S+/, ""),
    channelId: command.channel_id,
    triggerId: command.trigger_id,
    reply,
  };
  try {
    await SLASH_HOOKS[hook](bot, request);
  } catch (error) {
    await reply(errorMessage(errorText(error, bot.log, `/ccc ${verb.name}`)));
  }
}
