import { afterEach, describe, expect, it } from "vitest";
import { provision } from "../../src/commands/provision.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { ALICE, type BotHarness, startBotHarness } from "./bot-harness.ts";

let b: BotHarness;
afterEach(async () => {
  expect(b.h.strayServers()).toEqual([]);
  await b.close();
});

describe("the bot runs the lifecycle jobs", () => {
  it("deletes a machine at its expiry and DMs the owner", async () => {
    b = await startBotHarness({ env: { CCC_SWEEP_CRON: "* * * * * *" } });
    const ctx = { deps: b.running.bot.deps, actor: { id: ALICE, isAdmin: false } };
    // A lifetime of about two seconds, built for real against the fakes.
    const ready = await provision(ctx, { owner: ALICE, sshKey: makeKeyPair().publicKey, hours: "0.0006" });
    expect(b.h.cloud.servers()).toHaveLength(1);

    const dm = await b.slack.waitFor(
      () => b.slack.calls("chat.postMessage").find((c) => JSON.stringify(c.body).includes(ready.id)),
      10_000,
      "the expiry DM",
    );
    expect(JSON.stringify(dm.body)).toMatch(/deleted|expired/i);
    expect(b.running.bot.deps.store.get(ready.id)?.status).toBe("deleted");
    expect(b.h.cloud.servers()).toEqual([]);
  });

  it("refuses to start on a cron expression it cannot read, naming the setting", async () => {
    await expect(startBotHarness({ env: { CCC_SWEEP_CRON: "every minute" } })).rejects.toThrow(
      /CCC_SWEEP_CRON: not a cron expression/,
    );
    b = await startBotHarness();
  });
});
