import type { CommandContext } from "../commands/context.ts";
import { LOOKUP_FAILED, type Requester, type Verdict } from "../core/identity/identity.ts";
import { sameSecret, sessionFor } from "../core/identity/sign-in.ts";
import type { WebSession } from "../core/store/store.ts";
import { within } from "../core/within.ts";
import { HttpError } from "../http/http-error.ts";
import type { RouteRequest } from "../http/server.ts";
import { readCookie, SESSION_COOKIE } from "./cookies.ts";
import type { WebContext } from "./web-context.ts";

export interface SignedIn {
  /** The cookie's secret (the store knows only its hash). */
  token: string;
  session: WebSession;
  /** The identity check's answer for this request: the one admin rule of every door. */
  isAdmin: boolean;
}

/** A live session whose person may not go on: Slack no longer lets them in (403), or could not say (503). */
export interface SessionRefused {
  status: 403 | 503;
  message: string;
}

/** How long a page waits for Slack's record of a person it has not seen in 10 minutes. */
const LOOKUP_WAIT_MS = 5_000;

/** The identity check every door passes (workspace, member, not deactivated, guest rule), for the dashboard. */
export async function identityVerdict(ctx: WebContext, requester: Requester): Promise<Verdict> {
  return (await within(ctx.bot.identity.check(requester), LOOKUP_WAIT_MS)) ?? LOOKUP_FAILED;
}

/**
 * The browser's live session, its person checked again (cached for 10 minutes, as in Slack); a
 * refusal when the check fails (the person's sessions are then ended, see `Identity`); or null.
 */
export async function signedIn(
  ctx: WebContext,
  request: RouteRequest,
): Promise<SignedIn | SessionRefused | null> {
  const live = liveSession(ctx, request);
  return live ? recheck(ctx, live) : null;
}

function liveSession(ctx: WebContext, request: RouteRequest): { token: string; session: WebSession } | null {
  const token = readCookie(request.req, SESSION_COOKIE);
  if (!token) return null;
  const session = sessionFor(ctx.bot.deps, token);
  return session ? { token, session } : null;
}

async function recheck(
  ctx: WebContext,
  live: { token: string; session: WebSession },
): Promise<SignedIn | SessionRefused> {
  const user = live.session.user;
  const verdict = await identityVerdict(ctx, {
    userId: user,
    door: "session",
    teamId: null,
    enterpriseId: null,
  });
  if (!verdict.ok) {
    ctx.bot.log.warn("web session refused", { reason: verdict.reason, user });
    return { status: verdict.reason === "lookup_failed" ? 503 : 403, message: verdict.message };
  }
  return { ...live, isAdmin: verdict.isAdmin };
}

/** A verb's context for the signed-in person, with the admin right their check gave. */
export function actingAs(ctx: WebContext, who: SignedIn): CommandContext {
  return { deps: ctx.bot.deps, actor: { id: who.session.user, isAdmin: who.isAdmin } };
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
  options: { signOut?: boolean } = {},
): Promise<{ who: SignedIn; form: URLSearchParams }> {
  const form = await readForm(ctx, request);
  const live = liveSession(ctx, request);
  const csrf = form.get("csrf") ?? "";
  if (!live || csrf === "" || !sameSecret(csrf, live.session.csrf)) {
    throw new HttpError(403, "refused: this form is not from your signed-in dashboard (reload the page)");
  }
  // Signing out needs no say from Slack (it may be the very thing that is down).
  if (options.signOut) return { who: { ...live, isAdmin: false }, form };
  const who = await recheck(ctx, live);
  if ("status" in who) throw new HttpError(who.status, who.message);
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
