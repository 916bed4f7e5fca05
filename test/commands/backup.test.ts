import { statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acceptProvision } from "../../src/commands/provision.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe("ccc backup", () => {
  it("copies the database while it is open elsewhere, owner-only, and refuses to overwrite", async () => {
    // The bot's own connection stays open, with a write in its WAL, as on a running service.
    const made = await acceptProvision(
      { deps: h.deps, actor: { id: "U0ALICE", isAdmin: false } },
      { owner: "U0ALICE", sshKey: makeKeyPair().publicKey, hours: 2 },
    );
    const target = join(h.dir, "backup.db");
    const run = await runCcc(h, ["backup", target]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Wrote a backup of the database to .*backup\.db \(\d+ KB, readable by you only\)/,
    );
    expect(statSync(target).mode & 0o777).toBe(0o600);
    const copy = new Database(target, { readonly: true });
    try {
      expect(copy.prepare("SELECT id, owner FROM instances").all()).toEqual([
        { id: made.id, owner: "U0ALICE" },
      ]);
    } finally {
      copy.close();
    }
    const again = await runCcc(h, ["backup", target]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("exists already: name a new file for the backup.");
  });
});
