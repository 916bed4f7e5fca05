import { secretCommand } from "../commands/secret.ts";
import { flashSession } from "../core/identity/sign-in.ts";
import { listSecrets } from "../core/secrets/secrets.ts";
import { commandContext } from "../doors/door-context.ts";
import { errorText } from "../doors/error-text.ts";
import { HttpError } from "../http/http-error.ts";
import { refusalStatus } from "../http/refusal-status.ts";
import type { Route, RouteRequest } from "../http/server.ts";
import { redirect, sendPage } from "./respond.ts";
import { SECRETS_PATH, secretsPage } from "./secrets-page.ts";
import { checkedPost, type SignedIn, signedIn } from "./session.ts";
import type { WebContext } from "./web-context.ts";

/** The secret form: GET the page, POST set and delete (CSRF-checked), through the secret verb. */
export function secretsRoutes(ctx: WebContext): Route[] {
  const page = async (
    who: SignedIn,
    notice: { kind: "ok" | "error"; text: string } | null,
    typedName?: string,
  ) =>
    secretsPage({
      // By their Slack display name, as on the dashboard.
      user: await ctx.bot.identity.nameOf(who.session.user),
      csrf: who.session.csrf,
      enabled: Boolean(ctx.bot.deps.secretsKey),
      secrets: listSecrets(ctx.bot.deps, { id: who.session.user, isAdmin: false }, who.session.user),
      notice,
      typedName,
    });
  const action = (verbAction: "set" | "delete") => async (request: RouteRequest) => {
    const { who, form } = await checkedPost(ctx, request);
    const name = form.get("name") ?? "";
    try {
      const ctxFor = commandContext(ctx.bot, who.session.user);
      const raw =
        verbAction === "set"
          ? { action: "set", name, value: form.get("value") ?? "", user: who.session.user }
          : { action: "delete", name, user: who.session.user };
      const shown = await secretCommand.execute(ctxFor, raw);
      flashSession(
        ctx.bot.deps,
        who.token,
        shown.text({ now: ctx.bot.deps.clock.now(), actor: ctxFor.actor }),
      );
      redirect(request.res, SECRETS_PATH);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      const text = errorText(error, ctx.bot.log, `web secret ${verbAction}`);
      // The value is never sent back into the page, whatever went wrong.
      sendPage(
        request.res,
        refusalStatus(error) ?? 502,
        await page(who, { kind: "error", text }, verbAction === "set" ? name : undefined),
      );
    }
  };
  return [
    {
      method: "GET",
      path: SECRETS_PATH,
      handle: async (request) => {
        const who = await signedIn(ctx, request);
        // Not signed in, or refused at the identity check: the dashboard's own page says which.
        if (!who || "status" in who) return redirect(request.res, "/");
        const flash = who.session.flash;
        sendPage(request.res, 200, await page(who, flash ? { kind: "ok", text: flash } : null));
      },
    },
    { method: "POST", path: `${SECRETS_PATH}/set`, handle: action("set") },
    { method: "POST", path: `${SECRETS_PATH}/delete`, handle: action("delete") },
  ];
}
