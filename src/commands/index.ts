import { againCommand } from "./again.ts";
import { backupCommand } from "./backup.ts";
import { billingCommand } from "./billing.ts";
import { budgetCommand } from "./budget.ts";
import { channelCommand } from "./channel.ts";
import { checkExpiredCommand } from "./check-expired.ts";
import type { Command } from "./command.ts";
import { deprovisionCommand } from "./deprovision.ts";
import { eventsCommand } from "./events.ts";
import { extendCommand } from "./extend.ts";
import { hibernateCommand } from "./hibernate.ts";
import { initCommand } from "./init.ts";
import { keepAwakeCommand } from "./keep-awake.ts";
import { keyCommand } from "./key.ts";
import { listCommand } from "./list.ts";
import { migrateCommand } from "./migrate.ts";
import { poolCommand } from "./pool.ts";
import { prefsCommand } from "./prefs.ts";
import { provisionCommand } from "./provision.ts";
import { reconcileCommand } from "./reconcile.ts";
import { remindCommand } from "./remind.ts";
import { restoreCommand } from "./restore.ts";
import { saveCommand } from "./save.ts";
import { secretCommand } from "./secret.ts";
import { shareCommand } from "./share.ts";
import { snapshotCommand } from "./snapshot.ts";
import { snapshotsCommand } from "./snapshots.ts";
import { statusCommand } from "./status.ts";
import { taskCommand } from "./task.ts";
import { tasksCommand } from "./tasks.ts";
import { tokenCommand } from "./token.ts";
import { typesCommand } from "./types.ts";
import { unshareCommand } from "./unshare.ts";
import { usageCommand } from "./usage.ts";
import { volumeCommand } from "./volume.ts";
import { volumesCommand } from "./volumes.ts";
import { wakeCommand } from "./wake.ts";
import { webCommand } from "./web.ts";

export type { Command } from "./command.ts";

/**
 * Every verb ccc has, in the order help lists them. The CLI and the Slack slash command are built
 * from this list; a verb's file says which doors it has.
 */
export const COMMANDS: readonly Command[] = [
  provisionCommand,
  againCommand,
  taskCommand,
  tasksCommand,
  listCommand,
  statusCommand,
  extendCommand,
  deprovisionCommand,
  shareCommand,
  unshareCommand,
  keyCommand,
  saveCommand,
  snapshotsCommand,
  snapshotCommand,
  restoreCommand,
  hibernateCommand,
  wakeCommand,
  keepAwakeCommand,
  typesCommand,
  billingCommand,
  webCommand,
  tokenCommand,
  secretCommand,
  prefsCommand,
  volumesCommand,
  volumeCommand,
  usageCommand,
  budgetCommand,
  channelCommand,
  eventsCommand,
  checkExpiredCommand,
  remindCommand,
  reconcileCommand,
  poolCommand,
  initCommand,
  migrateCommand,
  backupCommand,
];

/** The verb called `word` or known by it as an alias, among those with `door` if given. */
export function findCommand(word: string, door?: "cli" | "slack"): Command | undefined {
  const name = word.toLowerCase();
  return COMMANDS.find(
    (c) =>
      (door === undefined || c.doors[door] !== undefined) && (c.name === name || c.aliases.includes(name)),
  );
}
