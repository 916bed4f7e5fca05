import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../helpers/fake-clock.ts";
import { MINUTE, plant } from "../lifecycle/world.ts";
import { ALICE, type BotHarness, startBotHarness } from "./bot-harness.ts";

let b: BotHarness;
afterEach(async () => {
  expect(b.h.strayServers()).toEqual([]);
  await b.close();
});

describe("the bot runs the lifecycle jobs", () => {
  it("deletes a machine at its expiry and DMs the owner", async () => {
    const clock = new FakeClock();
    b = await startBotHarness({ env: { CCC_SWEEP_CRON: "* * * * *" }, clock });
    const { instance: ready } = await plant(b.running.bot.deps, { owner: ALICE, minutes: 30 });
    expect(b.h.cloud.servers()).toHaveLength(1);
    clock.advance(29 * MINUTE);
    await b.running.scheduler?.idle();
    expect(b.running.bot.deps.store.get(ready.id)?.status).toBe("ready");
    expect(b.h.cloud.servers()).toHaveLength(1);

    clock.advance(MINUTE); // the sweep's tick at the expiry
    await b.running.scheduler?.idle();

    const dms = b.slack.calls("chat.postMessage").filter((c) => c.body.channel === "D0ALICE");
    expect(dms.map((c) => String(c.body.text))).toContain(
      `${ready.id} reached its expiry and was deleted; nothing keeps running.`,
    );
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
