import { budgetCommand } from "./budget.ts";
import { checkExpiredCommand } from "./check-expired.ts";
import type { Command } from "./command.ts";
import { deprovisionCommand } from "./deprovision.ts";
import { extendCommand } from "./extend.ts";
import { listCommand } from "./list.ts";
import { provisionCommand } from "./provision.ts";
import { reconcileCommand } from "./reconcile.ts";
import { remindCommand } from "./remind.ts";
import { shareCommand } from "./share.ts";
import { statusCommand } from "./status.ts";
import { typesCommand } from "./types.ts";
import { unshareCommand } from "./unshare.ts";
import { usageCommand } from "./usage.ts";

export type { Command } from "./command.ts";

/**
 * Every verb ccc has, in the order help lists them. The CLI and the Slack slash command are built
 * from this list; a verb's file says which doors it has.
 */
export const COMMANDS: readonly Command[] = [
  provisionCommand,
  listCommand,
  statusCommand,
  extendCommand,
  deprovisionCommand,
  shareCommand,
  unshareCommand,
  typesCommand,
  usageCommand,
  budgetCommand,
  checkExpiredCommand,
  remindCommand,
  reconcileCommand,
];

/** The verb called `word` or known by it as an alias, among those with `door` if given. */
export function findCommand(word: string, door?: "cli" | "slack"): Command | undefined {
  const name = word.toLowerCase();
  return COMMANDS.find(
    (c) =>
      (door === undefined || c.doors[door] !== undefined) && (c.name === name || c.aliases.includes(name)),
  );
}
