// Volumes in Slack: `/ccc volumes` with prices, `/ccc volume delete` asks first with a button, and the
// retention reminder's Keep it starts the clock again. Buttons carry only the volume id.
import { describe, expect, it } from "vitest";
import { VOLUME_ACTIONS } from "../../src/render/block-kit/volume-blocks.ts";
import { freeVolume } from "../volumes/world.ts";
import { ALICE, BOB, command, replies, shown } from "./bot-harness.ts";
import { useBotHarness } from "./use-bot.ts";

const b = useBotHarness();
const where = () => ({ channel: "D0ALICE", ts: "1700000000.000100", responseUrl: b.slack.responseUrl() });
const answered = (words: string) =>
  b.slack.waitFor(() => replies(b.slack).find((r) => shown(r).includes(words)));

describe("volumes in Slack", () => {
  it("lists your volumes with their price", async () => {
    const id = await freeVolume(b.h, ALICE);
    const answer = await command(b, ALICE, "volumes");
    expect(answer).toContain(`*${id}* · 10 GB in fsn1 · €0.52/month`);
    expect(await command(b, BOB, "volumes")).toContain("No work volumes.");
  });

  it("asks before deleting, deletes on the button, and refuses someone else's click", async () => {
    const id = await freeVolume(b.h, ALICE);
    const asked = await command(b, ALICE, `volume delete ${id}`);
    expect(asked).toContain("and everything on it? This cannot be undone.");
    expect(asked).toContain(VOLUME_ACTIONS.confirmDelete);
    expect(b.h.cloud.volumes()).toHaveLength(1);

    await b.send.clickInMessage(BOB, VOLUME_ACTIONS.confirmDelete, String(id), where());
    expect(shown(await answered("is not yours"))).toContain(`Volume ${id} is not yours.`);
    expect(b.h.cloud.volumes()).toHaveLength(1);

    await b.send.clickInMessage(ALICE, VOLUME_ACTIONS.confirmDelete, String(id), where());
    await answered(`Volume ${id} (10 GB in fsn1) is deleted`);
    expect(b.h.cloud.volumes()).toEqual([]);
  });

  it("Keep it starts the retention clock again", async () => {
    const id = await freeVolume(b.h, ALICE);
    const before = b.h.deps.store.workVolumes.open(ALICE, "fsn1")?.lastUsedAt.getTime() ?? 0;
    await b.send.clickInMessage(ALICE, VOLUME_ACTIONS.keep, String(id), where());
    await answered(`Volume ${id} is kept`);
    expect(b.h.deps.store.workVolumes.open(ALICE, "fsn1")?.lastUsedAt.getTime()).toBeGreaterThanOrEqual(
      before,
    );
    expect(b.h.cloud.volumes()).toHaveLength(1);
  });
});
