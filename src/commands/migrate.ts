import * as z from "zod";
import { defineCommand } from "./command.ts";

export const migrateInput = z.object({
  /** The database file the settings name (`CCC_DB_PATH`). */
  database: z.string().min(1),
});

export interface MigrateResult {
  database: string;
  from: number;
  to: number;
}

export function migrateText(result: MigrateResult): string {
  return result.from === result.to
    ? `The database at ${result.database} is at schema version ${result.to} already; nothing changed.`
    : `Migrated the database at ${result.database} from schema version ${result.from} to ${result.to}.`;
}

/**
 * Brings the database to this ccc's schema. The bot does it at its start; from the terminal only this
 * verb (and `init`) may, so a CLI of another version never changes the schema under a running bot.
 */
export const migrateCommand = defineCommand({
  name: "migrate",
  summary: "bring the database to this ccc's schema (stop the bot first; the bot also migrates at its start)",
  input: migrateInput,
  audience: "admin",
  run: (ctx, input): MigrateResult => ({ database: input.database, ...ctx.deps.store.migrate() }),
  text: migrateText,
  json: (result) => result,
  doors: {
    cli: {
      needs: {},
      examples: ["ccc migrate", "sudo ccc migrate   # on the service's host, with the bot stopped"],
      input: ({ config }) => ({ database: config.paths.db }),
    },
  },
});
