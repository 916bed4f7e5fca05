import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { schemaOf } from "./migrations.ts";

/** What `ccc doctor` learns of a database file without creating, migrating or changing it. */
export type DatabaseHealth =
  | { exists: false }
  | { exists: true; writable: true; version: number; latest: number }
  | { exists: true; writable: false; problem: string };

export function inspectDatabase(path: string, nativeBinding?: string): DatabaseHealth {
  if (path === ":memory:" || !existsSync(path)) return { exists: false };
  try {
    // SQLite writes the WAL and its index beside the file: the folder must be writable too.
    accessSync(path, constants.R_OK | constants.W_OK);
    accessSync(dirname(path), constants.W_OK);
  } catch (error) {
    return { exists: true, writable: false, problem: (error as Error).message };
  }
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
    db.pragma("busy_timeout = 2000");
    // A write lock taken and given back: the file takes writes (a read-only mount says no here).
    db.exec("BEGIN IMMEDIATE; ROLLBACK;");
    const { version, latest } = schemaOf(db);
    return { exists: true, writable: true, version, latest };
  } catch (error) {
    return { exists: true, writable: false, problem: (error as Error).message };
  } finally {
    db?.close();
  }
}
