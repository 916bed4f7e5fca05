import { runWake, startWake } from "../core/hibernate/wake.ts";
import { normalizeInstanceId } from "../core/instances/instance-id.ts";
import { flashSession } from "../core/web/sign-in.ts";
import { errorText } from "../slack/errors.ts";
import { publishHome } from "../slack/home.ts";
import { actingAs, type SignedIn } from "./session.ts";
import type { WebContext } from "./web-context.ts";

/**
 * "Wake": the wake verb in the two halves the API's 202 uses. What the verb refuses at once (not
 * asleep, not yours, already waking, quota, budget) is refused here with nothing written; the boot
 * from the snapshot (a minute or more) runs in the background and the page follows it. The owner
 * gets the ready DM (or the failure, the snapshot kept) from the wake itself, as from every door.
 */
export async function wakeAction(ctx: WebContext, who: SignedIn, form: URLSearchParams): Promise<string> {
  const { bot } = ctx;
  const ccc = actingAs(ctx, who);
  const id = normalizeInstanceId(form.get("id") ?? "");
  const started = await bot.gate.serial(id, () => startWake(bot.deps, ccc.actor, id));
  bot.tasks.run(`wake ${id}`, async () => {
    // The "waking" notice is written once this action returns; the outcome must come after it.
    await new Promise((resolve) => setImmediate(resolve));
    let text: string;
    try {
      await bot.gate.serial(id, () => runWake(bot.deps, started));
      text = `${id} is awake again, with the same id and host key; ssh answers as before.`;
    } catch (error) {
      text = `${id} could not be woken and is still asleep with its snapshot: ${errorText(error, bot.log, "web wake")}`;
    }
    flashSession(bot.deps, who.token, text);
    await publishHome(bot, who.session.user);
  });
  return `${id} is waking from its hibernation snapshot (same id, same host key); this page follows it.`;
}
