import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { tokenCommand } from "../../src/commands/token.ts";
import { authenticate, hashToken } from "../../src/core/identity/api-tokens.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { useHarness } from "../helpers/use-harness.ts";
import { ADMIN, ALICE, BOB, caught, HOUR } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();

interface CreatedJson {
  id: string;
  token: string;
  prefix: string;
  lastUsedAt: string | null;
}

async function create(actor = ALICE, extra: Record<string, unknown> = {}): Promise<CreatedJson> {
  const shown = await tokenCommand.execute(w.ctx(actor), { action: "create", user: actor.id, ...extra });
  return shown.json() as CreatedJson;
}

describe("token", () => {
  it("shows a new token once and keeps only its hash and prefix", async () => {
    const made = await create(ALICE, { name: "ci" });
    expect(made.token).toMatch(/^ccc_[A-Za-z0-9_-]{32}$/);
    expect(made.prefix).toBe(`${made.token.slice(0, 8)}…`);
    const listed = (await tokenCommand.execute(w.ctx(ALICE), { action: "list" })).json();
    expect(listed).toEqual([expect.objectContaining({ id: made.id, user: ALICE.id, name: "ci" })]);
    expect(JSON.stringify(listed)).not.toContain(made.token);
    const dbFiles = ["", "-wal"].map((s) => {
      try {
        return readFileSync(join(dirname(w.deps.paths.instancesDir), `ccc.db${s}`)).toString("latin1");
      } catch {
        return "";
      }
    });
    expect(dbFiles.join("")).toContain(hashToken(made.token));
    expect(dbFiles.join("")).not.toContain(made.token);
  });

  it("names only its person: who may act, and as an admin, is for the identity check to say", async () => {
    const alice = await create(ALICE);
    expect(authenticate(w.deps, alice.token)).toMatchObject({ id: alice.id, user: ALICE.id });
    // One character changed (a token that happens to end in x gets a y instead).
    const altered = `${alice.token.slice(0, -1)}${alice.token.endsWith("x") ? "y" : "x"}`;
    expect(authenticate(w.deps, altered)).toBeNull();
    expect(authenticate(w.deps, "ccc_short")).toBeNull();
    expect(JSON.stringify(alice)).not.toContain('"admin"');
  });

  it("refuses an admin token, a token for an operator name, and a sixth live token, writing nothing", async () => {
    const admin = await caught(() => create(ADMIN, { user: BOB.id, admin: true }));
    expect(admin).toMatchObject({
      code: "no_admin_tokens",
      field: "admin",
      message: expect.stringContaining("while its person is in CCC_ADMINS"),
    });
    const operator = await caught(() => create(ADMIN, { user: "opal" }));
    expect(operator).toMatchObject({ field: "user", message: expect.stringContaining("Slack user id") });
    expect(w.deps.store.apiTokens.list()).toEqual([]);
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await create(ALICE));
    const sixth = await caught(() => create(ALICE));
    expect(sixth).toMatchObject({
      code: "token_limit",
      message:
        "U0ALICE has 5 live tokens already; the limit is 5. Revoke one first (token list, token revoke <id>).",
    });
    expect(w.deps.store.apiTokens.list(ALICE.id)).toHaveLength(5);
    // A revoked one makes room; someone else's count is their own.
    await tokenCommand.execute(w.ctx(ALICE), { action: "revoke", id: made[0]?.id });
    await create(ALICE);
    await create(BOB);
    expect(await caught(() => create(ALICE))).toMatchObject({ code: "token_limit" });
  });

  it("refuses a token for someone else unless an admin asks, and writes nothing", async () => {
    const other = await caught(() => create(ALICE, { user: BOB.id }));
    expect(other).toMatchObject({ code: "forbidden" });
    const noUser = await caught(() => tokenCommand.execute(w.ctx(ALICE), { action: "create" }));
    expect(noUser).toMatchObject({ message: "user is required." });
    const badAction = await caught(() => tokenCommand.execute(w.ctx(ALICE), { action: "steal" }));
    expect(badAction).toMatchObject({ message: "action: The action must be create, list or revoke." });
    expect(w.deps.store.apiTokens.list()).toEqual([]);
  });

  it("lists and revokes only the asker's own tokens unless an admin asks", async () => {
    const alice = await create(ALICE);
    const bob = await create(BOB);
    expect((await tokenCommand.execute(w.ctx(ALICE), { action: "list" })).json()).toHaveLength(1);
    expect((await tokenCommand.execute(w.ctx(ADMIN), { action: "list" })).json()).toHaveLength(2);
    const peek = await caught(() => tokenCommand.execute(w.ctx(ALICE), { action: "list", user: BOB.id }));
    expect(peek).toMatchObject({ code: "forbidden" });
    const steal = await caught(() => tokenCommand.execute(w.ctx(ALICE), { action: "revoke", id: bob.id }));
    expect(steal).toMatchObject({ code: "forbidden" });
    expect(authenticate(w.deps, bob.token)).not.toBeNull();

    await tokenCommand.execute(w.ctx(ALICE), { action: "revoke", id: alice.id });
    expect(authenticate(w.deps, alice.token)).toBeNull();
    const again = await caught(() => tokenCommand.execute(w.ctx(ALICE), { action: "revoke", id: alice.id }));
    expect(again).toMatchObject({ code: "already_revoked" });
    const unknown = await caught(() =>
      tokenCommand.execute(w.ctx(ADMIN), { action: "revoke", id: "tok_000000000000" }),
    );
    expect(unknown).toMatchObject({ code: "not_found" });
  });

  it("records the last use, at most once a minute, not on every request", async () => {
    const made = await create(ALICE);
    authenticate(w.deps, made.token);
    const first = w.deps.store.apiTokens.get(made.id)?.lastUsedAt;
    expect(first).toEqual(w.clock.now());
    w.clock.advance(30_000);
    authenticate(w.deps, made.token);
    expect(w.deps.store.apiTokens.get(made.id)?.lastUsedAt).toEqual(first);
    w.clock.advance(HOUR);
    authenticate(w.deps, made.token);
    expect(w.deps.store.apiTokens.get(made.id)?.lastUsedAt).toEqual(w.clock.now());
  });
});

describe("ccc token", () => {
  const h = useHarness();

  it("creates (printed once), lists and revokes from the command line", async () => {
    const created = await runCcc(h, ["token", "create", "--user", "U0ALICE", "--name", "ci", "--json"]);
    expect(created.code).toBe(0);
    const made = JSON.parse(created.stdout) as CreatedJson;
    expect(made).toMatchObject({ user: "U0ALICE", name: "ci", createdBy: "opal" });
    const listed = await runCcc(h, ["token", "list", "--user", "U0ALICE"]);
    expect(listed.stdout).toContain(made.id);
    expect(listed.stdout).toContain(made.prefix);
    expect(listed.stdout).not.toContain(made.token);
    const revoked = await runCcc(h, ["token", "revoke", made.id]);
    expect(revoked).toMatchObject({ code: 0 });
    expect(revoked.stdout).toContain("is revoked");
    const bad = await runCcc(h, ["token", "frobnicate"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("create, list or revoke");
  });

  it("refuses --admin and tokens past CCC_MAX_TOKENS_PER_USER, saying why, with nothing made", async () => {
    const admin = await runCcc(h, ["token", "create", "--user", "U0ALICE", "--admin"]);
    expect(admin.code).not.toBe(0);
    expect(admin.stderr).toContain("no admin right of its own");
    const env = { CCC_MAX_TOKENS_PER_USER: "2" };
    for (let i = 0; i < 2; i++) {
      expect((await runCcc(h, ["token", "create", "--user", "U0ALICE"], { env })).code).toBe(0);
    }
    const third = await runCcc(h, ["token", "create", "--user", "U0ALICE"], { env });
    expect(third.code).not.toBe(0);
    expect(third.stderr).toContain("U0ALICE has 2 live tokens already; the limit is 2.");
    expect(third.stdout).not.toContain("ccc_");
    const listed = await runCcc(h, ["token", "list", "--user", "U0ALICE", "--json"]);
    expect(JSON.parse(listed.stdout)).toHaveLength(2);
  });
});
