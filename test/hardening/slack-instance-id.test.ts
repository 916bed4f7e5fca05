// An instance id in upper case through the Slack doors (a button's value, a slash command's text)
// is keyed like the lower-case one: the duplicate-click gate sees one click, the per-instance chain
// one machine, and a slash command racing a click loses neither extend.
import { describe, expect, it } from "vitest";
import { ALICE, command } from "../bot/bot-harness.ts";
import { clickWhere, readyMachine, useBotHarness } from "../bot/use-bot.ts";

const HOUR = 3_600_000;
const b = useBotHarness();

const store = () => b.running.bot.deps.store;
const extendedEvents = (id: string) =>
  store()
    .events(id)
    .filter((e) => e.kind === "extended");
const label = () => b.h.cloud.servers()[0]?.labels["ccc-expires-at"];

describe("an upper-case instance id from Slack", () => {
  it("is the same click as the lower-case one on the same message, and redraws the message", async () => {
    const { dm, id } = await readyMachine(b);
    const before = store().require(id).expiresAt.getTime();
    const updates = b.slack.calls("chat.update").length;
    await Promise.all([
      b.send.clickInMessage(ALICE, "ccc_extend_1h", id.toUpperCase(), clickWhere(b, dm)),
      b.send.clickInMessage(ALICE, "ccc_extend_1h", id, clickWhere(b, dm)),
    ]);
    await b.running.bot.tasks.idle();

    expect(extendedEvents(id)).toHaveLength(1);
    const after = store().require(id).expiresAt.getTime();
    expect(after - before).toBe(HOUR);
    expect(label()).toBe(String(after / 1000));
    // Both clicks answer with the machine as it is now, the upper-case one too.
    expect(b.slack.calls("chat.update").length).toBe(updates + 2);
    await b.send.clickInMessage(ALICE, "ccc_delete", id.toUpperCase(), clickWhere(b, dm));
    await b.slack.waitFor(() => store().require(id).status === "deleted" || null);
  });

  it("in /ccc extend racing an Extend +1h click: both count and the label ends equal to the store", async () => {
    const { dm, id } = await readyMachine(b);
    const before = store().require(id).expiresAt.getTime();
    const [answer] = await Promise.all([
      command(b, ALICE, `extend ${id.toUpperCase()} 4`),
      b.send.clickInMessage(ALICE, "ccc_extend_1h", id.toUpperCase(), clickWhere(b, dm)),
    ]);
    await b.running.bot.tasks.idle();

    expect(answer).toContain(`Extended *${id}* by 4 h`);
    const after = store().require(id).expiresAt.getTime();
    expect(after - before).toBe(5 * HOUR);
    expect(label()).toBe(String(after / 1000));
    expect(extendedEvents(id)).toHaveLength(2);
    await command(b, ALICE, `deprovision ${id}`);
    expect(b.h.cloud.servers()).toEqual([]);
  });
});
