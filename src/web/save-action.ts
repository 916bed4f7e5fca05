import { saveCommand } from "../commands/save.ts";
import { flashSession } from "../core/identity/sign-in.ts";
import { normalizeInstanceId } from "../core/instances/instance-id.ts";
import { followWork } from "../doors/follow-work.ts";
import { actingAs, type SignedIn } from "./session.ts";
import type { WebContext } from "./web-context.ts";

/**
 * "Save & delete": the save verb's `start` refuses at once what it must (not yours, not ready,
 * already being saved), and the snapshot (a minute or more) goes on in the background while the page
 * follows it. Its answer, good or bad, comes as the next page's notice and as a DM, as Slack's button gives it.
 */
export async function saveAction(ctx: WebContext, who: SignedIn, form: URLSearchParams): Promise<string> {
  const { bot } = ctx;
  const ccc = actingAs(ctx, who);
  const id = normalizeInstanceId(form.get("id") ?? "");
  const started = await bot.gate.serial(id, () => saveCommand.start(ccc, { id }));
  followWork(bot, ccc, "save", started, (ended) => flashSession(bot.deps, who.token, ended.text));
  return `${started.accepted.subject} is being saved: a snapshot is taken (about a minute), then the machine is deleted.`;
}
