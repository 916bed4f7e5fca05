import { existsSync } from "node:fs";
import * as z from "zod";
import { defineCommand } from "./command.ts";

export const initInput = z.object({
  /** The database file the settings name (`CCC_DB_PATH`). */
  database: z.string().min(1),
  /** Whether the file was there before this command opened it. */
  existed: z.boolean(),
});

export interface InitResult {
  database: string;
  created: boolean;
  schemaVersion: number;
  machines: number;
}

export function initText(result: InitResult): string {
  const machines = `${result.machines} machine${result.machines === 1 ? "" : "s"} recorded`;
  return result.created
    ? `Created a new ccc database at ${result.database} (schema version ${result.schemaVersion}).`
    : `The ccc database at ${result.database} already exists (schema version ${result.schemaVersion}, ${machines}); nothing changed.`;
}

/** Creates the database the settings name, the one command (with `--init`) that may make a new one. */
export const initCommand = defineCommand({
  name: "init",
  summary: "create the ccc database at CCC_DB_PATH (other commands refuse to create one without --init)",
  input: initInput,
  audience: "admin",
  run: (ctx, input): InitResult => {
    const counts = ctx.deps.store.machinesByStatus();
    return {
      database: input.database,
      created: !input.existed,
      schemaVersion: ctx.deps.store.schemaVersion(),
      machines: Object.values(counts).reduce((sum, n) => sum + n, 0),
    };
  },
  text: initText,
  json: (result) => result,
  doors: {
    cli: {
      needs: {},
      examples: ["ccc init", "CCC_DB_PATH=/var/lib/ccc/ccc.db ccc init"],
      input: ({ config }) => ({
        database: config.paths.db,
        existed: config.paths.db !== ":memory:" && existsSync(config.paths.db),
      }),
    },
  },
});
