import { isAbsolute, resolve } from "node:path";
import * as z from "zod";
import { defineCommand } from "./command.ts";

export const backupInput = z.object({
  /** Where the copy goes: a new file. */
  target: z.string().min(1, "name the file to write the backup to"),
});

export interface BackupResult {
  target: string;
  bytes: number;
}

export function backupText(result: BackupResult): string {
  return `Wrote a backup of the database to ${result.target} (${(result.bytes / 1024).toFixed(0)} KB, readable by you only). Restore: stop the bot, copy it over CCC_DB_PATH, start the bot.`;
}

/** A consistent copy of the database while the bot keeps running (SQLite's VACUUM INTO). */
export const backupCommand = defineCommand({
  name: "backup",
  summary: "write a consistent copy of the database to a new file while the bot runs",
  input: backupInput,
  audience: "admin",
  run: (ctx, input): BackupResult => ({ target: input.target, ...ctx.deps.store.backupTo(input.target) }),
  text: backupText,
  json: (result) => result,
  doors: {
    cli: {
      args: ["<file>"],
      needs: {},
      examples: ["ccc backup /var/backups/ccc-$(date +%F).db"],
      input: ({ args }) => ({
        target: args.file && !isAbsolute(args.file) ? resolve(args.file) : args.file,
      }),
    },
  },
});
