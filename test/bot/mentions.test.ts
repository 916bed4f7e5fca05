// Issue 20, finding 4: with should_escape on, Slack sends a person as <@U…|name>; every door that takes a
// person reads that, and a bare @name (one Slack did not escape, or typed at the terminal) is looked up in
// Slack's member list or refused with a hint: never taken as the text "bob".
import { afterEach, describe, expect, it } from "vitest";
import { parseOwner } from "../../src/core/instances/owner.ts";
import { startFakeSlack } from "../../stand-ins/fake-slack.ts";
import { startHarness } from "../helpers/harness.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { ADMIN, ALICE, BOB, type BotHarness, command, startBotHarness } from "./bot-harness.ts";

let b: BotHarness | null = null;
afterEach(async () => {
  await b?.close();
  b = null;
});

describe("people named in /ccc", () => {
  it("budget set takes a mention as the member id inside it", async () => {
    b = await startBotHarness();
    expect(await command(b, ADMIN, `budget set <@${BOB}|bob> 25`)).toContain("25");
    expect(b.running.bot.deps.store.budgets.get(BOB)?.eur).toBe("25.00");
    expect(b.running.bot.deps.store.budgets.get("bob")).toBeNull();
  });

  it("looks a bare @name up in Slack's member list, by handle or display name", async () => {
    b = await startBotHarness();
    b.slack.setUser(BOB, { name: "bob" });
    b.slack.setUser(ALICE, { name: "alice.w", displayName: "Alice" });
    await command(b, ADMIN, "budget set @bob 25");
    await command(b, ADMIN, "budget set @alice 30");
    expect(b.running.bot.deps.store.budgets.get(BOB)?.eur).toBe("25.00");
    expect(b.running.bot.deps.store.budgets.get(ALICE)?.eur).toBe("30.00");
    expect(b.slack.calls("users.list").length).toBeGreaterThan(0);
  });

  it("refuses a bare @name nobody (or more than one person) answers to, with a hint, writing nothing", async () => {
    b = await startBotHarness();
    b.slack.setUser(BOB, { name: "sam" });
    b.slack.setUser(ALICE, { displayName: "sam" });
    for (const who of ["@nobody", "@sam"]) {
      const answer = await command(b, ADMIN, `budget set ${who} 25`);
      expect(answer).toContain(`ccc cannot tell who ${who} is`);
      expect(answer).toContain("member id");
    }
    for (const user of ["nobody", "sam", BOB, ALICE]) {
      expect(b.running.bot.deps.store.budgets.get(user)).toBeNull();
    }
  });

  it("refuses a bare name nobody answers to for a share", async () => {
    b = await startBotHarness();
    const refused = await command(b, ALICE, "share ccc-abcdef @ghost");
    expect(refused).toContain("ccc cannot tell who @ghost is");
  });
});

describe("--user and person arguments at the terminal", () => {
  it("read a mention, and a bare @name through Slack when a bot token is set, or refuse it", async () => {
    expect(parseOwner("<@U0BOB|bob>")).toBe("U0BOB");
    expect(() => parseOwner("@bob")).toThrow(/ccc cannot tell who @bob is/);

    const h = await startHarness();
    const slack = await startFakeSlack();
    try {
      slack.setUser(BOB, { name: "bob" });
      const without = await runCcc(h, ["budget", "set", "@bob", "25"]);
      expect(without.code).not.toBe(0);
      expect(without.stderr).toContain("ccc cannot tell who @bob is");

      const env = { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl };
      const set = await runCcc(h, ["budget", "set", "@bob", "25"], { env });
      expect(set.code, set.stderr).toBe(0);
      const shown = await runCcc(h, ["budget", "--user", `<@${BOB}|bob>`, "--json"], { env });
      expect(JSON.parse(shown.stdout)).toMatchObject({ user: BOB });
      expect(shown.stdout).toContain("25");
    } finally {
      await slack.close();
      await h.close();
    }
  });
});
