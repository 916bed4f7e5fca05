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

/**
 * A posted form's fields; only the form encoding a `<form>` sends is accepted, and only from our own
 * pages: a browser names the page's origin on every POST, and one from another site is refused
 * (the sign-in form has no session to carry a CSRF token, so this is what keeps a stranger's page
 * from signing the browser in to the stranger's account).
 */
export async function readForm(ctx: WebContext, request: RouteRequest): Promise<URLSearchParams> {
  const origin = request.req.headers.origin;
  if (origin !== undefined && !ownOrigins(ctx, request).includes(origin)) {
    throw new HttpError(403, "refused: this form was posted from another site");
  }
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
  const form = await readForm(ctx, request);
  const who = signedIn(ctx, request);
  const csrf = form.get("csrf") ?? "";
  if (!who || csrf === "" || !sameSecret(csrf, who.session.csrf)) {
    throw new HttpError(403, "refused: this form is not from your signed-in dashboard (reload the page)");
  }
  return { who, form };
}

/** The origins our pages have: the public address, and the address the request came in on. */
function ownOrigins(ctx: WebContext, request: RouteRequest): string[] {
  const own: string[] = [];
  if (ctx.publicUrl) own.push(new URL(ctx.publicUrl).origin);
  const host = request.req.headers.host;
  if (host) own.push(`${ctx.secure ? "https" : "http"}://${host}`);
  return own;
}
