// `/ccc save`, `/ccc restore` and `/ccc wake` typed in Slack, through signed requests into the real Bolt
// receiver: the ack at once, the verb's answer through the response URL as soon as its `start` has
// checked and recorded (the work still running at the fake Hetzner), then one DM that follows the work
// to its end, edited in place, as the form, `again` and the buttons do; a failure after the answer is
// said in that DM.
import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../src/core/instances/actor.ts";
import { saveUnderLease } from "../../src/core/snapshots/save.ts";
import type { PostedMessage } from "../../stand-ins/fake-slack.ts";
import { ALICE, BOB, type BotHarness, replies, shown } from "./bot-harness.ts";
import { readyMachine, useBotHarness } from "./use-bot.ts";

const b = useBotHarness();
const deps = () => b.running.bot.deps;

/** Types `/ccc <text>`: the ack (time and body) and the answer through the response URL. */
async function slash(harness: BotHarness, user: string, text: string) {
  const url = harness.slack.responseUrl();
  const res = await harness.send.command(user, text, url);
  expect(res.status).toBe(200);
  expect(res.ms).toBeLessThan(3_000);
  // Empty: the answer follows through the response URL.
  expect(res.json?.text).toBeUndefined();
  const answer = await harness.slack.waitFor(
    () => harness.slack.calls("response_url").find((c) => c.body.path === new URL(url).pathname),
    10_000,
    `the answer to /ccc ${text}`,
  );
  return shown({ text: String(answer.body.text ?? ""), blocks: (answer.body.blocks as unknown[]) ?? [] });
}

/** The bot's DMs to ALICE that say `what`, as the fake keeps them (every version in `history`). */
function dmSaying(what: string): PostedMessage | undefined {
  return b.slack.messages().find((m) => m.channel === "D0ALICE" && m.text.includes(what));
}

describe("long-running verbs typed in Slack answer at once and follow in a DM", () => {
  it("/ccc save: the answer while the snapshot is still being taken, the end in a DM; someone else refused", async () => {
    const { id } = await readyMachine(b);
    expect(await slash(b, BOB, `save ${id}`)).toContain("is not yours");
    expect(deps().store.snapshots.get(id)).toBeFalsy();

    // The snapshot takes a while at Hetzner: the answer must not wait for it.
    b.h.cloud.setActionDuration(60_000, "create_image");
    const answer = await slash(b, ALICE, `save ${id}`);
    expect(answer).toContain(`${id} is being saved`);
    expect(deps().store.snapshots.get(id)?.status).toBe("saving");
    expect(b.h.cloud.servers()).toHaveLength(1);
    expect(dmSaying("saved and deleted")).toBeUndefined();

    b.h.cloud.setActionDuration(50, "create_image");
    b.h.cloud.settle("create_image");
    const dm = await b.slack.waitFor(() => dmSaying("saved and deleted"), 20_000, "the save's end in a DM");
    expect(dm.text).toContain(`ccc restore ${id}`);
    // One DM: the save tells the owner itself, so the door adds none.
    expect(b.slack.messages().filter((m) => m.text.includes("saved and deleted"))).toHaveLength(1);
    expect(deps().store.require(id).status).toBe("deleted");
    expect(deps().store.snapshots.get(id)?.status).toBe("available");
    // The answer was given once, through the response URL; the rest is the DM.
    expect(replies(b.slack).filter((r) => r.text.includes("saved and deleted"))).toEqual([]);
  }, 60_000);

  it("/ccc restore: the answer at once, then one DM edited in place to the end; a late failure is said there", async () => {
    const { id } = await readyMachine(b);
    expect(await slash(b, ALICE, `save ${id}`)).toContain("is being saved");
    await b.slack.waitFor(() => dmSaying("saved and deleted"), 20_000, "the save's end");

    // The server takes a while at Hetzner: the answer must not wait for it.
    b.h.cloud.setActionDuration(60_000, "create_server");
    const answer = await slash(b, ALICE, `restore ${id} 3`);
    const restored = /ccc-[a-z2-9]{6}/.exec(answer.replace(id, ""))?.[0] ?? "";
    expect(restored).not.toBe("");
    expect(answer).toContain("is being created");
    expect(deps().store.require(restored).status).toBe("creating");

    b.h.cloud.setActionDuration(50, "create_server");
    b.h.cloud.settle("create_server");
    // The bot's machines answer SSH with a banner only, so this restore fails after its answer.
    const dm = await b.slack.waitFor(
      () => {
        const m = b.slack.messages().find((x) => x.channel === "D0ALICE" && x.text.includes(restored));
        return m?.text.includes("could not be created") ? m : null;
      },
      30_000,
      "the restore's end in the DM",
    );
    expect(dm.text).toContain("Connecting to the machine failed");
    // One message, edited in place: it showed the build before it showed the end.
    expect(dm.history.length).toBeGreaterThan(1);
    expect(dm.history[0]?.text).toContain(`${restored} is being created`);
    expect(
      b.slack.messages().filter((m) => m.channel === "D0ALICE" && m.text.includes(restored)),
    ).toHaveLength(1);
    expect(deps().store.require(restored).status).toBe("failed");
    expect(deps().store.snapshots.get(id)?.status).toBe("available");
    await b.slack.waitFor(() => b.h.cloud.servers().length === 0, 10_000, "the failed server deleted");
  }, 60_000);

  it("/ccc wake: the answer at once; the wake's failure is said by the wake itself", async () => {
    const { id } = await readyMachine(b);
    expect(await slash(b, ALICE, `wake ${id}`)).toContain("is not hibernating");
    const now = deps().clock.now();
    const instance = deps().store.require(id);
    await saveUnderLease(deps(), SYSTEM_ACTOR, instance, "hibernated", {
      quiet: true,
      maxPerUser: 99,
      beforeDelete: () => deps().store.hibernation.sleep(id, instance.owner, now, 3_600_000, null),
    });
    b.h.cloud.setActionDuration(2_000, "create_server");
    expect(await slash(b, ALICE, `wake ${id}`)).toContain(`${id}* is waking`);
    expect(dmSaying("could not be woken")).toBeUndefined();
    // The bot's machines answer SSH with a banner only: the wake fails, and says so (once).
    const told = await b.slack.waitFor(() => dmSaying("could not be woken"), 30_000, "the wake's failure");
    expect(told.text).toContain(`ccc wake ${id}`);
    expect(deps().store.hibernation.current(id)?.state).toBe("asleep");
    expect(deps().store.snapshots.get(id)?.status).toBe("available");
    expect(b.h.cloud.servers()).toEqual([]);
  }, 60_000);
});
