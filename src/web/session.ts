import type { WebSession } from "../core/store/store.ts";
import { sameSecret, sessionFor } from "../core/web/sign-in.ts";
import { HttpError } from "../http/http-error.ts";
import type { RouteRequest } from "../http/server.ts";
import { readCookie, SESSION_COOKIE } from "./cookies.ts";
import type { WebContext } from "./web-context.ts";

export interface SignedIn {
  /** The cookie's secret (the store knows only its hash). */
  token: string;
  session: WebSession;
  isAdmin: boolean;
}

/** The browser's live session, or null. */
export function signedIn(ctx: WebContext, request: RouteRequest): SignedIn | null {
  const token = readCookie(request.req, SESSION_COOKIE);
  if (!token) return null;
  const session = sessionFor(ctx.bot.deps, token);
  if (!session) return null;
  return { token, session, isAdmin: ctx.bot.admins.has(session.user) };
}

/** A posted form's fields; only the form encoding a `<form>` sends is accepted. */
export async function readForm(request: RouteRequest): Promise<URLSearchParams> {
  const type = (request.req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") throw new HttpError(415, "send a form");
  return new URLSearchParams((await request.body()).toString("utf8"));
}

/**
 * Every state-changing request: a signed-in browser whose form carries its session's CSRF token.
 * A page elsewhere can make the browser post here with the cookie, but cannot read the token.
 */
export async function checkedPost(
  ctx: WebContext,
  request: RouteRequest,
): Promise<{ who: SignedIn; form: URLSearchParams }> {
  const form = await readForm(request);
  const who = signedIn(ctx, request);
  const csrf = form.get("csrf") ?? "";
  if (!who || csrf === "" || !sameSecret(csrf, who.session.csrf)) {
    throw new HttpError(403, "refused: this form is not from your signed-in dashboard (reload the page)");
  }
  return { who, form };
}
