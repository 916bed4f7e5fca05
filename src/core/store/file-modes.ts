import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";

const GROUP_OR_OTHER = 0o077;
const STICKY = 0o1000;

/**
 * Makes the data folder (the database, installer logs, per-instance flakes and host keys) ccc's
 * alone: created 0700, and an existing one (a fresh checkout's `data/` is 0755) tightened to 0700.
 * A shared folder (sticky, like /tmp) or another user's is left as it is: tightening it would
 * break others, and the database files in it are 0600 all the same.
 */
export function secureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { mode, uid } = statSync(dir);
  if ((mode & STICKY) !== 0 || uid !== process.getuid?.()) return;
  if ((mode & GROUP_OR_OTHER) !== 0) chmodSync(dir, 0o700);
}

/**
 * Makes the database and its `-wal`/`-shm` files 0600 (they hold emails, SSH keys and the audit
 * trail). Called before opening, so a new database is created 0600 rather than 0644 (SQLite then
 * gives its -wal and -shm files the database's own mode), and again once WAL mode made them exist,
 * for files an older ccc left readable.
 */
export function secureDbFiles(path: string): void {
  if (path === ":memory:" || path === "") return;
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (!existsSync(file)) continue;
    if ((statSync(file).mode & GROUP_OR_OTHER) !== 0) chmodSync(file, 0o600);
  }
}
