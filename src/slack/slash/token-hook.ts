import { tokenCommand } from "../../commands/token.ts";
import { errorText } from "../../doors/error-text.ts";
import { errorMessage, textMessage } from "../../render/block-kit/mrkdwn.ts";
import { type BotContext, commandContext } from "../bot-context.ts";
import { sendDm } from "../direct-message.ts";
import type { SlashRequest } from "./slash-request.ts";

/**
 * `/ccc token`: a new token for the asker, sent in a DM, where they find it again (it is shown once).
 * `/ccc token list` and `/ccc token revoke <id>` answer in place, for the asker's own tokens.
 */
export async function tokenHook(bot: BotContext, req: SlashRequest): Promise<void> {
  const ctx = commandContext(bot, req.userId);
  const slack = tokenCommand.doors.slack;
  try {
    const raw = { ...(slack?.input(req.words) as object), user: req.userId, name: "slack" };
    const shown = await tokenCommand.execute(ctx, raw);
    const message = shown.blocks({
      now: bot.deps.clock.now(),
      actor: ctx.actor,
      sshPort: bot.deps.timing.sshPort,
    });
    if ((req.words[0] ?? "create").toLowerCase() !== "create") return await req.reply(message);
    const sent = await sendDm(bot.client, bot.log, req.userId, message);
    await req.reply(
      sent
        ? textMessage("I sent you a new API token in a DM. It is shown only there, once.")
        : errorMessage(
            "The token was made but the DM did not arrive; revoke it with /ccc token list and revoke, and try again.",
          ),
    );
  } catch (error) {
    await req.reply(errorMessage(errorText(error, bot.log, "/ccc token")));
  }
}
