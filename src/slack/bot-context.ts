import type { CommandContext } from "../commands/context.ts";
import type { CoreDeps } from "../core/deps.ts";
import type { Identity } from "../core/identity/identity.ts";
import type { Logger } from "../core/logger.ts";
import type { ActionGate } from "./action-gate.ts";
import type { BackgroundTasks } from "./background-tasks.ts";
import type { TaskDoor } from "./task/task-door.ts";
import type { WebClient } from "./web-client.ts";

/** What every listener gets: core's dependencies plus the Slack side. Built once in src/bot.ts. */
export interface BotContext {
  deps: CoreDeps;
  client: WebClient;
  /** Who may use ccc and who is an admin (CCC_ADMINS and Slack's record), at every door. */
  identity: Identity;
  log: Logger;
  tasks: BackgroundTasks;
  gate: ActionGate;
  /** How long views.open may wait for Hetzner's lists before the modal says to try again. */
  catalogWaitMs: number;
  /** Tasks' Slack threads (issue 22); absent in a bot without tasks. */
  taskDoor?: TaskDoor;
}

/**
 * The command context for a person whose request has just passed `identity.check` (every Slack
 * request has, in the guard): admin by the same rule as every other door.
 */
export function commandContext(bot: BotContext, userId: string): CommandContext {
  return { deps: bot.deps, actor: { id: userId, isAdmin: bot.identity.isAdmin(userId) } };
}
