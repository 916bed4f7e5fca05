import { wakeCommand } from "../commands/wake.ts";
import { flashSession } from "../core/identity/sign-in.ts";
import { normalizeInstanceId } from "../core/instances/instance-id.ts";
import { followWork } from "../doors/follow-work.ts";
import { actingAs, type SignedIn } from "./session.ts";
import type { WebContext } from "./web-context.ts";

/**
 * "Wake": the wake verb's `start` refuses at once what it must (not asleep, not yours, already
 * waking, quota, budget) with nothing written; the boot from the snapshot (a minute or more) runs in
 * the background and the page follows it. The owner gets the ready DM (or the failure, the snapshot
 * kept) from the wake itself, as from every door.
 */
export async function wakeAction(ctx: WebContext, who: SignedIn, form: URLSearchParams): Promise<string> {
  const { bot } = ctx;
  const ccc = actingAs(ctx, who);
  const id = normalizeInstanceId(form.get("id") ?? "");
  const started = await bot.gate.serial(id, () => wakeCommand.start(ccc, { id }));
  followWork(bot, ccc, "wake", started, (ended) =>
    flashSession(
      bot.deps,
      who.token,
      ended.ok
        ? `${id} is awake again, with the same id and host key; ssh answers as before.`
        : `${id} could not be woken and is still asleep with its snapshot: ${ended.text}`,
    ),
  );
  return `${id} is waking from its hibernation snapshot (same id, same host key); this page follows it.`;
}
