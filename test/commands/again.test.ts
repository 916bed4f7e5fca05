import { describe, expect, it } from "vitest";
import { againCommand } from "../../src/commands/again.ts";
import { deprovision } from "../../src/commands/deprovision.ts";
import { provision } from "../../src/commands/provision.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { useHarness } from "../helpers/use-harness.ts";

const h = useHarness({ env: { CCC_MAX_INSTANCES_PER_USER: "1" } });
const alice = { id: "U0ALICE", isAdmin: false };
const viewer = () => ({ now: h.deps.clock.now(), actor: alice });

async function refusal(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (error) {
    return error as Error;
  }
  throw new Error("not refused");
}

describe("again", () => {
  it("says so clearly when the person never had a machine, and spends nothing", async () => {
    const error = await refusal(() => againCommand.execute({ deps: h.deps, actor: alice }, {}));
    expect(error.message).toMatch(
      /^You have no earlier machine to repeat\. Ask for one with provision first/,
    );
    expect(h.cloud.servers()).toEqual([]);
    expect(h.deps.store.list()).toEqual([]);
  });

  it("repeats the last request (type, location, hours, software) with the person's last key", async () => {
    const oldKey = makeKeyPair("alice@old").publicKey;
    const newKey = makeKeyPair("alice@new").publicKey;
    const ctx = { deps: h.deps, actor: alice };
    const first = await provision(ctx, {
      owner: alice.id,
      sshKey: oldKey,
      hours: "3",
      serverType: "cax11",
      location: "hel1",
      packages: "go",
    });
    await deprovision(ctx, { id: first.id });
    // The later request is the one repeated, with its key.
    const second = await provision(ctx, {
      owner: alice.id,
      sshKey: newKey,
      hours: "2",
      serverType: "cx23",
      location: "fsn1",
      packages: "python3,jq",
    });
    await deprovision(ctx, { id: second.id });

    const shown = await againCommand.execute(ctx, {});
    const again = shown.json() as Record<string, unknown>;
    expect(again).toMatchObject({
      status: "ready",
      owner: alice.id,
      serverType: "cx23",
      location: "fsn1",
      packages: ["python3", "jq"],
    });
    const made = h.deps.store.require(again.id as string);
    // Expiries are whole seconds.
    expect(Math.abs(made.expiresAt.getTime() - made.createdAt.getTime() - 2 * 3_600_000)).toBeLessThan(1000);
    expect(made.sshKeys).toEqual([newKey]);
    expect(JSON.parse(h.installer.calls().at(-1)?.instanceJson ?? "{}").extraPackages).toEqual([
      "python3",
      "jq",
    ]);
    expect(shown.text(viewer())).toContain("Connect with: ssh claude@");
    await deprovision(ctx, { id: made.id });
  });

  it("is refused over the quota like any request, and makes nothing", async () => {
    const ctx = { deps: h.deps, actor: alice };
    const live = await provision(ctx, { owner: alice.id, sshKey: makeKeyPair().publicKey });
    const error = await refusal(() => againCommand.execute(ctx, {}));
    expect(error).toMatchObject({ code: "quota_exceeded" });
    expect(h.cloud.servers().map((s) => s.name)).toEqual([live.id]);
    expect(h.deps.store.list().map((i) => i.id)).toEqual([live.id]);
    await deprovision(ctx, { id: live.id });
  });

  it("repeats only your own request unless you are an admin", async () => {
    const ctx = { deps: h.deps, actor: alice };
    const error = await refusal(() => againCommand.execute(ctx, { user: "U0BOB" }));
    expect(error).toMatchObject({ code: "forbidden" });
  });

  it("runs from the terminal for a named person", async () => {
    const none = await runCcc(h, ["again", "--user", "bob"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("bob has no earlier machine to repeat.");

    const ctx = { deps: h.deps, actor: { id: "opal", isAdmin: true } };
    const first = await provision(ctx, { owner: "bob", sshKey: makeKeyPair().publicKey, serverType: "cx23" });
    await deprovision(ctx, { id: first.id });
    const run = await runCcc(h, ["again", "--user", "bob", "--json"]);
    expect(run.code).toBe(0);
    const made = JSON.parse(run.stdout);
    expect(made).toMatchObject({ owner: "bob", status: "ready", serverType: "cx23" });
    await runCcc(h, ["deprovision", made.id]);
    const told = await runCcc(h, ["again", "--user", "bob"]);
    expect(told.stderr).toContain("the same as last time: cx23 in fsn1 for 4 h");
    await runCcc(h, ["deprovision", h.deps.store.list()[0]?.id ?? ""]);
  });

  it("has a Slack door through its own hook", () => {
    expect(againCommand.doors.slack).toMatchObject({ usage: "again", hook: "again" });
  });
});
