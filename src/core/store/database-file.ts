import { chmodSync, existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import Database from "better-sqlite3";
import { UserError } from "../errors.ts";
import { secureDbFiles } from "./file-modes.ts";
import { migrate, refuseNewerSchema, requireCurrentSchema } from "./migrations.ts";

// The SQLite file itself: finding the addon, opening in WAL with a busy timeout, the schema rule at
// open, and a consistent copy while others use it. `Store` is the only caller.

/** What opening a database does about its schema: see `openDatabase`. */
export type SchemaRule = "migrate" | "require-current" | "as-is";

/**
 * The compiled SQLite addon, named directly: better-sqlite3's default search (the `bindings` package)
 * stats a dozen paths first, a noticeable part of a short `ccc list`. Falls back to that search.
 */
export function nativeBinding(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve("better-sqlite3/build/Release/better_sqlite3.node");
  } catch {
    return undefined;
  }
}

function whileBusy<T>(step: () => T, attempts = 50): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return step();
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || attempt >= attempts) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}

/**
 * Opens the file and, by `schema`: migrates it to this ccc's schema (the bot's start, `ccc init`), refuses
 * it unless it is at this ccc's schema already (every other CLI command), or leaves it as it is
 * (`ccc migrate`, which asks for it itself). A newer schema than this ccc's is always refused.
 */
export function openDatabase(path: string, schema: SchemaRule): Database.Database {
  secureDbFiles(path);
  const db = new Database(path, { nativeBinding: nativeBinding() });
  // Before anything else: a second process opening the file at the same moment waits instead of failing.
  db.pragma("busy_timeout = 5000");
  // Switching a new file to WAL takes an exclusive lock that SQLite's busy handler does not wait
  // for; another process doing the same at that moment makes it fail at once, so try again.
  whileBusy(() => db.pragma("journal_mode = WAL"));
  secureDbFiles(path);
  db.pragma("foreign_keys = ON");
  try {
    if (schema === "migrate") migrate(db);
    else if (schema === "require-current") requireCurrentSchema(db);
    else refuseNewerSchema(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Writes a consistent copy of the database to `target` while others keep using it (`VACUUM INTO`: one
 * read transaction, WAL included), readable by the owner only. Refuses a target that exists.
 */
export function backupDatabase(db: Database.Database, target: string): { bytes: number } {
  if (existsSync(target)) throw new UserError(`${target} exists already: name a new file for the backup.`);
  db.prepare("VACUUM INTO ?").run(target);
  chmodSync(target, 0o600);
  return { bytes: statSync(target).size };
}
