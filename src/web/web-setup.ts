import type { Config } from "../config.ts";
import type { DoorContext } from "../doors/door-context.ts";
import type { Route } from "../http/server.ts";
import { webRoutes } from "./web-routes.ts";

const SLACK_API = "https://slack.com/api/";

/** The dashboard's routes for the bot's HTTP server, from the settings. */
export function dashboardRoutes(bot: DoorContext, config: Config): Route[] {
  const { publicUrl, slackClientId, slackClientSecret } = config.web;
  return webRoutes({
    bot,
    publicUrl,
    secure: publicUrl?.startsWith("https:") ?? false,
    oidc:
      slackClientId && slackClientSecret
        ? {
            clientId: slackClientId,
            clientSecret: slackClientSecret,
            apiUrl: config.slack.apiUrl ?? SLACK_API,
          }
        : null,
  });
}
