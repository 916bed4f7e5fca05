// Issue 22: a channel's default repository for tasks asked there without naming one.
import { describe, expect, it } from "vitest";
import { channelCommand } from "../../src/commands/channel.ts";
import { ADMIN, ALICE, BOB, caught, NOW } from "./fixtures.ts";
import { useStoreWorld } from "./use-store-world.ts";

const w = useStoreWorld();
const slack = channelCommand.doors.slack;

describe("channel repo", () => {
  it("sets the channel's default (as Slack escaped it), shows it to anyone, and clears it", async () => {
    const raw = slack?.input(["repo", "<https://github.com/acme/api>"], { channelId: "C0ENG" });
    const set = await channelCommand.execute(w.ctx(ALICE), raw);
    expect(set.json()).toEqual({
      channel: "C0ENG",
      repo: "https://github.com/acme/api",
      setBy: ALICE.id,
      changed: true,
    });
    expect(w.deps.store.channelRepos.get("C0ENG")).toMatchObject({
      repo: "https://github.com/acme/api",
      setBy: ALICE.id,
    });

    const shown = await channelCommand.execute(w.ctx(BOB), slack?.input(["repo"], { channelId: "C0ENG" }));
    expect(shown.blocks({ now: NOW, actor: BOB }).text).toContain(
      "`https://github.com/acme/api` (set by <@U0ALICE>)",
    );

    const cleared = await channelCommand.execute(
      w.ctx(BOB),
      slack?.input(["repo", "none"], { channelId: "C0ENG" }),
    );
    expect(cleared.json()).toMatchObject({ repo: null, changed: true });
    expect(w.deps.store.channelRepos.get("C0ENG")).toBeNull();
    const again = await channelCommand.execute(w.ctx(BOB), slack?.input(["repo"], { channelId: "C0ENG" }));
    expect(again.text({ now: NOW, actor: BOB })).toContain("no default repository");
  });

  it("keeps one default per channel", async () => {
    await channelCommand.execute(w.ctx(ALICE), { channel: "C0ONE", action: "set", repo: "acme/api" });
    await channelCommand.execute(w.ctx(ADMIN), { channel: "C0TWO", action: "set", repo: "acme/web@dev" });
    expect(w.deps.store.channelRepos.get("C0ONE")?.repo).toBe("acme/api");
    expect(w.deps.store.channelRepos.get("C0TWO")?.repo).toBe("acme/web@dev");
  });

  it("refuses what is not a repository, or no channel, writing nothing", async () => {
    for (const raw of [
      { channel: "C0ENG", action: "set", repo: "not a repo" },
      { channel: "C0ENG", action: "set", repo: "https://user:ghp_secret@github.com/acme/api" },
      { channel: "C0ENG", action: "set" },
      { channel: "general", action: "set", repo: "acme/api" },
    ]) {
      const error = (await caught(() => channelCommand.execute(w.ctx(ALICE), raw))) as Error;
      expect(error.message).not.toContain("ghp_secret");
      expect(error.constructor.name).toBe("UserError");
    }
    expect(w.deps.store.channelRepos.get("C0ENG")).toBeNull();
    expect(() => slack?.input(["acme/api"], { channelId: "C0ENG" })).toThrow(/Usage: \/ccc channel repo/);
  });

  it("lets the operator name a channel at the terminal", () => {
    const cli = channelCommand.doors.cli;
    const config = {} as never;
    expect(
      cli?.input({ args: { what: "repo", id: "C0ENG", repo: "acme/api" }, options: {}, config }),
    ).toEqual({
      channel: "C0ENG",
      action: "set",
      repo: "acme/api",
    });
    expect(
      cli?.input({ args: { what: "repo", id: "C0ENG" }, options: { clear: true }, config }),
    ).toMatchObject({
      action: "clear",
    });
  });
});
