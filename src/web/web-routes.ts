import type { Route } from "../http/server.ts";
import { deleteAction, extendAction, handleAction, provisionAction } from "./actions.ts";
import { dashboardData } from "./dashboard-data.ts";
import { dashboardPage } from "./dashboard-page.ts";
import { sendPage } from "./respond.ts";
import { saveAction } from "./save-action.ts";
import { secretsRoutes } from "./secrets-routes.ts";
import { signedIn } from "./session.ts";
import { signInPage } from "./sign-in-page.ts";
import { signInRoutes } from "./sign-in-routes.ts";
import { staticRoutes } from "./static-files.ts";
import type { WebContext } from "./web-context.ts";

/** The web dashboard: `/`, sign-in and sign-out, the four actions, and its two static files. */
export function webRoutes(ctx: WebContext): Route[] {
  return [
    {
      method: "GET",
      path: "/",
      handle: async (request) => {
        const who = signedIn(ctx, request);
        if (!who)
          return sendPage(
            request.res,
            200,
            signInPage({ slack: ctx.oidc !== null && Boolean(ctx.publicUrl) }),
          );
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
    ...secretsRoutes(ctx),
    ...staticRoutes(),
  ];
}
