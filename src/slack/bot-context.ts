import type { CommandContext } from "../commands/context.ts";
import type { CoreDeps } from "../core/deps.ts";
import type { Logger } from "../core/logger.ts";
import type { ActionGate } from "./action-gate.ts";
import type { BackgroundTasks } from "./background-tasks.ts";
import type { SlackIdentity } from "./identity/slack-identity.ts";
import type { WebClient } from "./web-client.ts";

/** What every listener gets: core's dependencies plus the Slack side. Built once in src/bot.ts. */
export interface BotContext {
  deps: CoreDeps;
  client: WebClient;
  admins: ReadonlySet<string>;
  /** Who may use ccc and who is an admin, as Slack says (workspace, guest, deactivated). */
  identity: SlackIdentity;
  log: Logger;
  tasks: BackgroundTasks;
  gate: ActionGate;
  /** How long views.open may wait for Hetzner's lists before the modal says to try again. */
  catalogWaitMs: number;
}

/** The command context for a Slack user: admins are the ids in CCC_ADMINS that Slack says are members. */
export function commandContext(bot: BotContext, userId: string): CommandContext {
  return { deps: bot.deps, actor: { id: userId, isAdmin: bot.identity.isAdmin(userId) } };
}
