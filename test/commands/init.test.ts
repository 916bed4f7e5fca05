import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCcc } from "../helpers/run-ccc.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Settings naming a database in a fresh folder that does not exist yet. */
function freshDatabase(): { env: Record<string, string>; db: string } {
  const dir = mkdtempSync(join(tmpdir(), "ccc-init-"));
  dirs.push(dir);
  const db = join(dir, "state", "ccc.db");
  return { env: { CCC_DB_PATH: db }, db };
}

describe("ccc init and the CLI's database", () => {
  it("refuses to work on a database that does not exist, names it, and creates nothing", async () => {
    const h = freshDatabase();
    for (const args of [["list", "--all"], ["usage"], ["budget"]]) {
      const run = await runCcc(h, args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toContain(`There is no ccc database at ${h.db}.`);
      expect(run.stderr).toContain("ccc init");
      expect(existsSync(h.db)).toBe(false);
    }
  });

  it("says the same as JSON under --json", async () => {
    const h = freshDatabase();
    const run = await runCcc(h, ["list", "--json"]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: "no_database" } });
    expect(existsSync(h.db)).toBe(false);
  });

  it("creates the database with `ccc init`, and a second init changes nothing", async () => {
    const h = freshDatabase();
    const first = await runCcc(h, ["init"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`^Created a new ccc database at ${h.db} \\(schema version \\d+\\)\\.`),
    );
    expect(existsSync(h.db)).toBe(true);
    const second = await runCcc(h, ["init", "--json"]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ database: h.db, created: false, machines: 0 });
  });

  it("creates it with --init on any command, then says which database each command opened", async () => {
    const h = freshDatabase();
    const created = await runCcc(h, ["list", "--all", "--init"]);
    expect(created.code).toBe(0);
    expect(existsSync(h.db)).toBe(true);
    const listed = await runCcc(h, ["list", "--all"]);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain(`database: ${h.db}`);
  });
});
