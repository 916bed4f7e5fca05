// The data folder and the database files are ccc's alone: other local users must not read the
// emails, SSH keys and audit trail in them.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/adapters/system-clock.ts";
import { newInstanceId } from "../../src/core/instances/instance.ts";
import { secureDataDir } from "../../src/core/store/file-modes.ts";
import { Store } from "../../src/core/store/store.ts";
import { buildCoreDeps } from "../helpers/core-deps.ts";
import { makeKeyPair } from "../helpers/keys.ts";

let dir: string;
// The usual umask (0022): without care, SQLite then creates its files 0644. Test workers cannot set
// the umask, so this needs the runner to have one that lets group and others read.
const readableByOthers = (process.umask() & 0o044) === 0;
if (!readableByOthers) console.warn("file-modes tests skipped: this umask already keeps files private");
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ccc-modes-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);

function addOne(store: Store): void {
  const now = new Date();
  store.add(
    {
      id: newInstanceId(),
      owner: "U0ALICE",
      ownerEmail: "alice@example.com",
      sshKeys: [makeKeyPair().publicKey],
      sshKeyFingerprint: "SHA256:abc",
      serverType: "cx23",
      location: "fsn1",
      createdAt: now,
      expiresAt: new Date(now.getTime() + 3_600_000),
    },
    { actor: "test", kind: "requested" },
  );
}

describe.runIf(readableByOthers)("the data folder and the database files", () => {
  it("are 0700 and 0600 when ccc starts on a checkout whose data folder is 0755", () => {
    const data = join(dir, "data");
    mkdirSync(data);
    chmodSync(data, 0o755);
    const db = join(data, "ccc.db");
    const deps = buildCoreDeps({ CCC_DB_PATH: db });
    try {
      addOne(deps.store);
      expect(mode(data)).toBe("700");
      expect([mode(db), mode(`${db}-wal`), mode(`${db}-shm`)]).toEqual(["600", "600", "600"]);
    } finally {
      deps.store.close();
    }
  });

  it("are tightened when an older ccc left them readable, while it still has them open", () => {
    const db = join(dir, "ccc.db");
    const older = new Database(db);
    older.pragma("journal_mode = WAL");
    older.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    expect([mode(db), mode(`${db}-wal`), mode(`${db}-shm`)]).toEqual(["644", "644", "644"]);
    const store = Store.open(db, systemClock);
    try {
      expect([mode(db), mode(`${db}-wal`), mode(`${db}-shm`)]).toEqual(["600", "600", "600"]);
    } finally {
      store.close();
      older.close();
    }
  });

  it("are created 0600 by the store alone, -wal and -shm included", () => {
    const db = join(dir, "fresh.db");
    const store = Store.open(db, systemClock);
    try {
      addOne(store);
      expect(existsSync(`${db}-wal`)).toBe(true);
      expect([mode(db), mode(`${db}-wal`), mode(`${db}-shm`)]).toEqual(["600", "600", "600"]);
    } finally {
      store.close();
    }
  });

  it("leave a shared sticky folder such as /tmp as it is", () => {
    const shared = join(dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    secureDataDir(shared);
    expect(mode(shared)).toBe("1777");
    const own = join(dir, "own", "nested");
    secureDataDir(own);
    expect(mode(own)).toBe("700");
  });
});
