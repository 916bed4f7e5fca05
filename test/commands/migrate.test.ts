import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../src/core/store/migrations.ts";
import { runCcc } from "../helpers/run-ccc.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A database as an older ccc left it: only its first `version` migrations run. */
function databaseAt(version: number): { env: Record<string, string>; db: string } {
  const dir = mkdtempSync(join(tmpdir(), "ccc-migrate-"));
  dirs.push(dir);
  const db = join(dir, "ccc.db");
  const sqlite = new Database(db);
  for (const step of MIGRATIONS.slice(0, version)) sqlite.exec(step);
  sqlite.pragma(`user_version = ${version}`);
  sqlite.close();
  return { env: { CCC_DB_PATH: db }, db };
}

function versionOf(db: string): number {
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite.pragma("user_version", { simple: true }) as number;
  } finally {
    sqlite.close();
  }
}

describe("ccc migrate, and a CLI that never migrates under the bot", () => {
  const latest = MIGRATIONS.length;
  const older = latest - 3;

  it("refuses an older schema in every other command, changing nothing, and says what to run", async () => {
    const h = databaseAt(older);
    for (const args of [["list", "--all"], ["usage"], ["budget"]]) {
      const run = await runCcc(h, args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toContain(
        `The database is at schema version ${older} and this ccc needs ${latest}. Start the upgraded bot (it migrates at start), or stop the bot and run \`ccc migrate\`.`,
      );
      expect(versionOf(h.db)).toBe(older);
    }
    // --init makes a database where there is none; it does not migrate one that is there.
    expect((await runCcc(h, ["list", "--init"])).code).toBe(2);
    expect(versionOf(h.db)).toBe(older);
  });

  it("migrates with ccc migrate, once", async () => {
    const h = databaseAt(older);
    const run = await runCcc(h, ["migrate"]);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toBe(`Migrated the database at ${h.db} from schema version ${older} to ${latest}.\n`);
    expect(versionOf(h.db)).toBe(latest);
    const again = await runCcc(h, ["migrate", "--json"]);
    expect(JSON.parse(again.stdout)).toEqual({ database: h.db, from: latest, to: latest });
    expect((await runCcc(h, ["list", "--all"])).code).toBe(0);
  });

  it("refuses a schema newer than this ccc everywhere, migrate included", async () => {
    const h = databaseAt(latest);
    const sqlite = new Database(h.db);
    sqlite.pragma(`user_version = ${latest + 1}`);
    sqlite.close();
    for (const args of [["list"], ["migrate"], ["init"]]) {
      const run = await runCcc(h, args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toContain(`newer than this ccc (${latest}): upgrade ccc.`);
    }
    expect(versionOf(h.db)).toBe(latest + 1);
  });
});
