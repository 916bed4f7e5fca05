import type { Route } from "../http/server.ts";
import {
  deleteAction,
  extendAction,
  handleAction,
  provisionAction,
  shareAction,
  unshareAction,
} from "./actions.ts";
import { cookie, SESSION_COOKIE } from "./cookies.ts";
import { dashboardData } from "./dashboard-data.ts";
import { dashboardPage } from "./dashboard-page.ts";
import { sendPage } from "./respond.ts";
import { saveAction } from "./save-action.ts";
import { secretsRoutes } from "./secrets-routes.ts";
import { signedIn } from "./session.ts";
import { signInPage } from "./sign-in-page.ts";
import { signInRoutes } from "./sign-in-routes.ts";
import { staticRoutes } from "./static-files.ts";
import { tasksRoutes } from "./tasks-routes.ts";
import { wakeAction } from "./wake-action.ts";
import type { WebContext } from "./web-context.ts";

/** The web dashboard: `/`, sign-in and sign-out, the actions, and its two static files. */
export function webRoutes(ctx: WebContext): Route[] {
  return [
    {
      method: "GET",
      path: "/",
      handle: async (request) => {
        const who = await signedIn(ctx, request);
        const slack = ctx.oidc !== null && Boolean(ctx.publicUrl);
        if (!who) return sendPage(request.res, 200, signInPage({ slack }));
        if ("status" in who) {
          // Refused by Slack's record: the session is gone, and so goes the cookie. Slack not
          // answering: the session stays for when it does.
          const clear = cookie(SESSION_COOKIE, "", { maxAgeSeconds: 0, secure: ctx.secure });
          return sendPage(
            request.res,
            who.status,
            signInPage({ slack, problem: who.message }),
            who.status === 403 ? { "set-cookie": clear } : {},
          );
        }
        const flash = who.session.flash;
        const data = await dashboardData(ctx, who, flash ? { kind: "ok", text: flash } : null);
        sendPage(request.res, 200, dashboardPage(data));
      },
    },
    ...signInRoutes(ctx),
    { method: "POST", path: "/web/provision", handle: handleAction(ctx, "provision", provisionAction) },
    { method: "POST", path: "/web/extend", handle: handleAction(ctx, "extend", extendAction) },
    { method: "POST", path: "/web/delete", handle: handleAction(ctx, "delete", deleteAction) },
    { method: "POST", path: "/web/save", handle: handleAction(ctx, "save", saveAction) },
    { method: "POST", path: "/web/share", handle: handleAction(ctx, "share", shareAction) },
    { method: "POST", path: "/web/wake", handle: handleAction(ctx, "wake", wakeAction) },
    { method: "POST", path: "/web/unshare", handle: handleAction(ctx, "unshare", unshareAction) },
    ...secretsRoutes(ctx),
    ...tasksRoutes(ctx),
    ...staticRoutes(),
  ];
}
