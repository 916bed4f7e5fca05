import type { WebClient } from "../adapters/slack/web-client.ts";
import type { DoorContext } from "../doors/door-context.ts";

export { commandContext } from "../doors/door-context.ts";

/** What every Slack listener gets: what the doors share, plus Slack's Web API client. Built once in src/bot.ts. */
export interface BotContext extends DoorContext {
  client: WebClient;
}
