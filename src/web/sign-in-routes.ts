import type { Requester } from "../core/identity/identity.ts";
import {
  endSession,
  finishOidc,
  redeemSignInLink,
  SESSION_TTL_MS,
  SIGN_IN_PATH,
  sameSecret,
  startOidc,
  startSession,
} from "../core/identity/sign-in.ts";
import type { Route, RouteRequest } from "../http/server.ts";
import { cookie, OIDC_COOKIE, readCookie, SESSION_COOKIE } from "./cookies.ts";
import { redirect, sendPage } from "./respond.ts";
import { checkedPost, identityVerdict, readForm } from "./session.ts";
import { confirmSignInPage, signInPage } from "./sign-in-page.ts";
import { authorizeUrl, identify } from "./slack-oidc.ts";
import type { WebContext } from "./web-context.ts";

/** Where Slack sends a person back after Sign in with Slack (manifest.yml's `redirect_urls` names it). */
export const OIDC_CALLBACK = "/web/oidc/callback";

/** Sign in with a link, with Slack (when configured), and sign out. */
export function signInRoutes(ctx: WebContext): Route[] {
  const deps = ctx.bot.deps;
  const signInAs = (
    request: RouteRequest,
    user: string,
    via: "link" | "slack",
    extra: string[] = [],
    to = "/",
  ) => {
    const { token } = startSession(deps, user, via);
    ctx.bot.log.info("web sign-in", { user });
    const session = cookie(SESSION_COOKIE, token, {
      maxAgeSeconds: SESSION_TTL_MS / 1000,
      secure: ctx.secure,
    });
    redirect(request.res, to, [session, ...extra]);
  };
  const slack = ctx.oidc !== null && Boolean(ctx.publicUrl);
  const refuse = (request: RouteRequest, problem: string, status = 403) =>
    sendPage(request.res, status, signInPage({ slack, problem }));
  /** The identity check every door passes, before any session is made; true when it refused (and said so). */
  const refusedAt = async (request: RouteRequest, requester: Requester): Promise<boolean> => {
    const verdict = await identityVerdict(ctx, requester);
    if (verdict.ok) return false;
    deps.store.recordEvent(null, {
      actor: requester.userId,
      kind: "sign_in_refused",
      detail: `dashboard (${requester.door}): ${verdict.reason}`,
    });
    ctx.bot.log.warn("web sign-in refused", {
      reason: verdict.reason,
      user: requester.userId,
      door: requester.door,
    });
    refuse(request, verdict.message, verdict.reason === "lookup_failed" ? 503 : 403);
    return true;
  };

  const routes: Route[] = [
    {
      method: "GET",
      path: SIGN_IN_PATH,
      handle: ({ req, res }) => {
        const token = new URL(req.url ?? "/", "http://x").searchParams.get("token") ?? "";
        if (token === "")
          return sendPage(res, 400, signInPage({ slack, problem: "That link is incomplete." }));
        const next = new URL(req.url ?? "/", "http://x").searchParams.get("next");
        sendPage(res, 200, confirmSignInPage(token, next === "secrets" ? "secrets" : undefined));
      },
    },
    {
      method: "POST",
      path: SIGN_IN_PATH,
      // The one-time token is the proof here; there is no session (and so no CSRF token) yet.
      handle: async (request) => {
        const form = await readForm(ctx, request);
        const token = form.get("token") ?? "";
        // Only our own pages: `next` picks from a fixed list, never a URL.
        const to = form.get("next") === "secrets" ? "/web/secrets" : "/";
        const user = token ? redeemSignInLink(deps, token) : null;
        if (!user) {
          return refuse(
            request,
            "That sign-in link was used already or has expired. Type /ccc web in Slack for a new one.",
          );
        }
        if (await refusedAt(request, { userId: user, door: "link", teamId: null, enterpriseId: null }))
          return;
        signInAs(request, user, "link", [], to);
      },
    },
    {
      method: "POST",
      path: "/web/sign-out",
      handle: async (request) => {
        const { who } = await checkedPost(ctx, request, { signOut: true });
        endSession(deps, who.token);
        redirect(request.res, "/", [cookie(SESSION_COOKIE, "", { maxAgeSeconds: 0, secure: ctx.secure })]);
      },
    },
  ];
  const { oidc, publicUrl } = ctx;
  if (!oidc || !publicUrl) return routes;
  const redirectUri = new URL(
    OIDC_CALLBACK.slice(1),
    publicUrl.endsWith("/") ? publicUrl : `${publicUrl}/`,
  ).toString();
  const clearOidc = cookie(OIDC_COOKIE, "", { maxAgeSeconds: 0, secure: ctx.secure });
  routes.push(
    {
      method: "GET",
      path: "/web/oidc/start",
      handle: ({ res }) => {
        const { state, nonce } = startOidc(deps);
        redirect(res, authorizeUrl(oidc, redirectUri, state, nonce), [
          cookie(OIDC_COOKIE, state, { maxAgeSeconds: 600, secure: ctx.secure }),
        ]);
      },
    },
    {
      method: "GET",
      path: OIDC_CALLBACK,
      handle: async (request) => {
        const query = new URL(request.req.url ?? "/", "http://x").searchParams;
        const state = query.get("state") ?? "";
        const code = query.get("code") ?? "";
        const bound = readCookie(request.req, OIDC_COOKIE) ?? "";
        // The state must be one this browser was given and the store still holds: no replay, no
        // sign-in started on someone else's browser.
        const nonce = state && sameSecret(state, bound) ? finishOidc(deps, state) : null;
        if (!nonce)
          return refuse(request, "That sign-in did not start in this browser, or took too long. Try again.");
        if (query.get("error") || !code) return refuse(request, "Slack did not sign you in. Try again.");
        const found = await identify(oidc, code, redirectUri, nonce, deps.clock.now()).catch(
          (error: unknown) => {
            ctx.bot.log.warn("Sign in with Slack failed", { error: String(error) });
            return { refused: "Slack could not be reached. Try again in a minute." };
          },
        );
        if ("refused" in found) return refuse(request, found.refused);
        const requester = {
          userId: found.userId,
          door: "oidc",
          teamId: found.teamId,
          enterpriseId: null,
        } as const;
        if (await refusedAt(request, requester)) return;
        signInAs(request, found.userId, "slack", [clearOidc]);
      },
    },
  );
  return routes;
}
