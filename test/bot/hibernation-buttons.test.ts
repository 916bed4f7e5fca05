// The hibernation doors in Slack: Keep running and Hibernate now (the idle warning), /ccc wake and the
// Wake button (the hibernation DM). The bot's machines answer SSH with a banner only, so the safe
// paths show: a machine that does not answer the activity check is not hibernated; a wake whose
// machine never takes its state keeps the snapshot.
import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../src/core/instances/actor.ts";
import { saveUnderLease } from "../../src/core/snapshots/save.ts";
import { HIBERNATION_ACTIONS } from "../../src/render/hibernation-notices.ts";
import { ALICE, BOB, command, replies } from "./bot-harness.ts";
import { clickWhere, readyMachine, useBotHarness } from "./use-bot.ts";

const b = useBotHarness();
const deps = () => b.running.bot.deps;

describe("hibernation in Slack", () => {
  it("Keep running restarts the idle clock for the owner only", async () => {
    const { dm, id } = await readyMachine(b);
    await b.send.clickInMessage(BOB, HIBERNATION_ACTIONS.keepRunning, id, clickWhere(b, dm));
    await b.slack.waitFor(() => replies(b.slack).find((r) => r.text.includes("is not yours")));
    expect(deps().store.hibernation.activity(id)).toBeNull();
    await b.send.clickInMessage(ALICE, HIBERNATION_ACTIONS.keepRunning, id, clickWhere(b, dm));
    const answer = await b.slack.waitFor(() =>
      replies(b.slack).find((r) => r.text.includes("keeps running")),
    );
    expect(answer.text).toContain("another 30 idle minutes");
    expect(deps().store.hibernation.activity(id)?.lastActiveAt).toBeTruthy();
  });

  it("Hibernate now does nothing to a machine that does not answer the activity check", async () => {
    const { dm, id } = await readyMachine(b);
    await b.send.clickInMessage(ALICE, HIBERNATION_ACTIONS.hibernateNow, id, clickWhere(b, dm));
    const answer = await b.slack.waitFor(
      () => replies(b.slack).find((r) => r.text.includes("was not hibernated")),
      15_000,
    );
    expect(answer.text).toContain("did not answer the activity check");
    expect(b.h.cloud.servers()).toHaveLength(1);
    expect(deps().store.require(id).status).toBe("ready");
  });

  it("/ccc wake says what is wrong; a failed wake from the Wake button keeps the snapshot", async () => {
    const { dm, id } = await readyMachine(b);
    expect(await command(b, ALICE, `wake ${id}`)).toContain("is not hibernating");
    // Asleep as the idle pass leaves it (the pass itself is tested through a real sshd elsewhere).
    const now = deps().clock.now();
    const instance = deps().store.require(id);
    await saveUnderLease(deps(), SYSTEM_ACTOR, instance, "hibernated", {
      quiet: true,
      maxPerUser: 99,
      beforeDelete: () => deps().store.hibernation.sleep(id, instance.owner, now, 3_600_000, null),
    });
    await b.send.clickInMessage(ALICE, HIBERNATION_ACTIONS.wake, id, clickWhere(b, dm));
    // Answered once the wake is recorded; the wake itself tells how it ended.
    const answer = await b.slack.waitFor(() => replies(b.slack)[1], 30_000);
    expect(answer.text).toContain(`${id} is waking`);
    const told = await b.slack.waitFor(() =>
      b.slack.messages().find((m) => m.text.includes("could not be woken")),
    );
    expect(told.text).toContain(`ccc wake ${id}`);
    expect(deps().store.hibernation.current(id)?.state).toBe("asleep");
    expect(deps().store.snapshots.get(id)?.status).toBe("available");
    expect(b.h.cloud.servers()).toEqual([]);
  }, 60_000);
});
