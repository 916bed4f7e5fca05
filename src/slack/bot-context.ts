import type { WebClient } from "../adapters/slack/web-client.ts";
import type { DoorContext } from "../doors/door-context.ts";
import type { TaskDoor } from "./task/task-door.ts";

export { commandContext } from "../doors/door-context.ts";

/** What every Slack listener gets: what the doors share, plus Slack's Web API client. Built once in src/bot.ts. */
export interface BotContext extends DoorContext {
  client: WebClient;
  /** Tasks' Slack threads (issue 22); absent in a bot without tasks. Slack-only, so not in DoorContext. */
  taskDoor?: TaskDoor;
}
