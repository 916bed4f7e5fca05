// A request late on the month's last day spends from two months' budgets: each is checked.
import { describe, expect, it } from "vitest";
import { call, tokenFor } from "../api/api-client.ts";
import { ALICE, answerShown, BOB } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { pricedMachine } from "./priced-machine.ts";

const HOUR = 3_600_000;
const LATE = new Date("2026-11-30T23:00:00Z");

describe("a request that runs into next month", () => {
  const b = useBotHarness(() => ({ clock: new FakeClock(LATE), env: { CCC_API_RATE_PER_MINUTE: "1000" } }));

  it("is refused over the API when next month's budget cannot take its hours", async () => {
    const deps = b.running.bot.deps;
    // cx23 costs €0.0048741096 an hour: one November hour fits €0.10, the 23 December ones (€0.11) do not.
    deps.store.budgets.put({ user: ALICE, eur: "0.10", setBy: "test", setAt: LATE });
    const token = tokenFor(b, ALICE);
    const body = { sshKey: makeKeyPair().publicKey, hours: 24, serverType: "cx23", location: "fsn1" };
    const refused = await call(b, "POST", "/instances", { token, body });
    expect(refused).toMatchObject({
      status: 422,
      error: { code: "over_budget", message: "This would bring you to €0.11 of your €0.10 for December." },
    });
    expect(deps.store.list({ includeEnded: true })).toEqual([]);
  });

  /** `/ccc <text>` signed at the bot's (fake) time, and what Slack shows for it. */
  async function slash(user: string, text: string): Promise<string> {
    const url = b.slack.responseUrl();
    const timestamp = Math.floor(b.running.bot.deps.clock.now().getTime() / 1000);
    const res = await b.send.command(user, text, url, { timestamp });
    return answerShown(b.slack, res.json, url, text);
  }

  it("is refused in Slack when an extend would pass next month's budget", async () => {
    const deps = b.running.bot.deps;
    // €0.10 an hour until midnight: November has its hour; December's budget of €0.50 takes five more.
    deps.store.budgets.put({ user: BOB, eur: "0.50", setBy: "test", setAt: LATE });
    const machine = await pricedMachine(deps, BOB, 1);
    expect(await slash(BOB, `extend ${machine.id} 6`)).toContain(
      "This would bring you to €0.60 of your €0.50 for December.",
    );
    expect(deps.store.require(machine.id).expiresAt).toEqual(machine.expiresAt);
    expect(await slash(BOB, `extend ${machine.id} 5`)).toContain(`Extended *${machine.id}* by 5 h`);
    expect(deps.store.require(machine.id).expiresAt.getTime()).toBe(machine.expiresAt.getTime() + 5 * HOUR);
    deps.store.remove(machine.id, { actor: "test", kind: "deleted" });
    for (const s of b.h.cloud.servers()) await deps.cloud.deleteServer(s.id);
  });
});
