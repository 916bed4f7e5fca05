import type { CommandContext } from "../commands/context.ts";
import type { CoreDeps } from "../core/deps.ts";
import type { Identity } from "../core/identity/identity.ts";
import type { Logger } from "../core/ports/logger.ts";
import type { SlackMessage } from "../render/block-kit/mrkdwn.ts";
import type { ActionGate } from "./action-gate.ts";
import type { BackgroundTasks } from "./background-tasks.ts";

/** One message to a person that is posted once and then edited in place as work goes on. */
export interface LiveMessage {
  /** Shows `message`; a `final` one arrives even when the edit fails. Never throws. */
  show(message: SlackMessage, options?: { final?: boolean }): Promise<void>;
}

/**
 * How ccc reaches a person outside the request that asked: build progress is a notice kind of its
 * own, a message that follows the work (a Slack DM edited in place), and their home view is redrawn
 * when it ends. The Slack side provides it; a door that is not Slack (the dashboard) uses it too.
 */
export interface PeopleChannel {
  live(userId: string): LiveMessage;
  refreshHome(userId: string): Promise<void>;
}

/**
 * What every door shares, built once in src/bot.ts: core's dependencies, who may act, the log, work
 * that outlives its request, per-instance serialisation, and the way to follow work in a DM.
 */
export interface DoorContext {
  deps: CoreDeps;
  /** Who may use ccc and who is an admin (CCC_ADMINS and Slack's record), at every door. */
  identity: Identity;
  log: Logger;
  tasks: BackgroundTasks;
  gate: ActionGate;
  /** How long a form may wait for Hetzner's lists before it says to try again. */
  catalogWaitMs: number;
  people: PeopleChannel;
}

/**
 * The command context for a person whose request has just passed `identity.check` (every door's
 * guard does): admin by the same rule as every other door.
 */
export function commandContext(door: Pick<DoorContext, "deps" | "identity">, userId: string): CommandContext {
  return { deps: door.deps, actor: { id: userId, isAdmin: door.identity.isAdmin(userId) } };
}
