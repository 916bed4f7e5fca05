import { saveCommand } from "../commands/save.ts";
import { UserError } from "../core/errors.ts";
import { instanceFor } from "../core/instances/actor.ts";
import { normalizeInstanceId } from "../core/instances/instance-id.ts";
import { flashSession } from "../core/web/sign-in.ts";
import { errorMessage } from "../render/block-kit/mrkdwn.ts";
import { LiveDm } from "../slack/direct-message.ts";
import { errorText } from "../slack/errors.ts";
import { publishHome } from "../slack/home.ts";
import { actingAs, type SignedIn } from "./session.ts";
import type { WebContext } from "./web-context.ts";

/**
 * "Save & delete": the save verb takes a minute or more (the snapshot), so it runs in the background
 * and the page follows it. What the verb would refuse at once (not yours, not ready, already being
 * saved) is refused here before it starts; its answer, good or bad, comes as the next page's notice
 * and as a DM, as Slack's button gives it.
 */
export async function saveAction(ctx: WebContext, who: SignedIn, form: URLSearchParams): Promise<string> {
  const { bot } = ctx;
  const user = who.session.user;
  const ccc = actingAs(ctx, who);
  const instance = instanceFor(bot.deps.store, ccc.actor, normalizeInstanceId(form.get("id") ?? ""), "save");
  if (instance.status !== "ready") {
    throw new UserError(`${instance.id} is ${instance.status}; only a ready machine can be saved.`);
  }
  if (bot.deps.store.snapshots.get(instance.id)?.status === "saving") {
    throw new UserError(`${instance.id} is already being saved.`);
  }
  bot.tasks.run(`save ${instance.id}`, async () => {
    // The "being saved" notice is written once this action returns; the verb's answer must come after it.
    await new Promise((resolve) => setImmediate(resolve));
    let text: string;
    let message: Parameters<LiveDm["show"]>[0];
    try {
      const shown = await bot.gate.serial(instance.id, () => saveCommand.execute(ccc, { id: instance.id }));
      const viewer = { now: bot.deps.clock.now(), actor: ccc.actor, sshPort: bot.deps.timing.sshPort };
      text = shown.text(viewer);
      message = shown.blocks(viewer);
    } catch (error) {
      text = errorText(error, bot.log, "web save");
      message = errorMessage(text);
    }
    flashSession(bot.deps, who.token, text);
    await new LiveDm(bot.client, bot.log, user).show(message, { final: true });
    await publishHome(bot, user);
  });
  return `${instance.id} is being saved: a snapshot is taken (about a minute), then the machine is deleted.`;
}
