import { describe, expect, it } from "vitest";
import { ALICE, BOB, replies, shown } from "./bot-harness.ts";
import { clickWhere, readyMachine, useBotHarness } from "./use-bot.ts";

const b = useBotHarness();
const store = () => b.running.bot.deps.store;

describe("Save & delete on the ready DM", () => {
  it("is offered, refused for someone else, and saves then deletes for the owner", async () => {
    const { dm, id } = await readyMachine(b);
    expect(shown(dm)).toContain("ccc_save");
    await b.send.clickInMessage(BOB, "ccc_save", id, clickWhere(b, dm));
    await b.slack.waitFor(() => replies(b.slack).find((r) => r.text.includes("is not yours")));
    expect(b.h.cloud.images().filter((i) => i.type === "snapshot")).toEqual([]);

    // Answered once the save is recorded (the snapshot still being taken); a DM follows it to its end.
    b.h.cloud.setActionDuration(60_000, "create_image");
    await b.send.clickInMessage(ALICE, "ccc_save", id, clickWhere(b, dm));
    const answer = await b.slack.waitFor(
      () => replies(b.slack).find((r) => r.text.includes("is being saved")),
      15_000,
    );
    expect(answer.text).toContain(id);
    expect(store().snapshots.get(id)?.status).toBe("saving");
    b.h.cloud.setActionDuration(50, "create_image");
    b.h.cloud.settle("create_image");
    const done = await b.slack.waitFor(
      () =>
        b.slack
          .messages()
          .find((m) => m.channel === "D0ALICE" && m.text.includes(`${id} was saved and deleted`)),
      15_000,
    );
    expect(done.text).toContain(`ccc restore ${id}`);
    // The save's own notice, and no second DM saying the same.
    expect(b.slack.messages().filter((m) => m.text.includes("saved and deleted"))).toHaveLength(1);
    expect(store().require(id).status).toBe("deleted");
    expect(store().snapshots.get(id)?.status).toBe("available");
    expect(b.h.cloud.servers()).toEqual([]);
  });
});
