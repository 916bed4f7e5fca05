import { describe, expect, it } from "vitest";
import { noticeText } from "../../src/adapters/printing-notifier.ts";
import { noticeMessage } from "../../src/adapters/slack/slack-notifier.ts";
import type { Snapshot } from "../../src/core/store/store.ts";
import { anInstance, NOW } from "../commands/fixtures.ts";

const snapshot: Snapshot = {
  id: "ccc-abcdef",
  owner: "U0ALICE",
  status: "available",
  imageId: 7,
  hostKey: null,
  architecture: "x86",
  diskGb: 40,
  imageSizeGb: 1.5,
  serverType: "cx23",
  location: "fsn1",
  createdAt: NOW,
  expiresAt: new Date(NOW.getTime() + 86_400_000),
  remindedFor: null,
  error: null,
  deletedAt: null,
};
const instance = anInstance();
const buttons = (blocks: unknown[]) =>
  JSON.stringify(blocks)
    .match(/"action_id":"[a-z_0-9]+"/g)
    ?.map((a) => a.slice(13, -1));

describe("snapshot notices", () => {
  it("the reminder says whether the expiry saves or deletes, and offers Save & delete", () => {
    const save = noticeMessage({ kind: "reminder", instance, minutesLeft: 15, onExpiry: "save" }, NOW);
    expect(JSON.stringify(save.blocks)).toContain("ccc then saves it");
    expect(buttons(save.blocks)).toEqual(["ccc_extend_1h", "ccc_extend_4h", "ccc_delete", "ccc_save"]);
    const plain = noticeMessage({ kind: "reminder", instance, minutesLeft: 15, onExpiry: "delete" }, NOW);
    expect(JSON.stringify(plain.blocks)).toContain("deleted with everything on it");
    expect(noticeText({ kind: "reminder", instance, minutesLeft: 15, onExpiry: "save" })).toContain(
      "ccc then saves it",
    );
  });

  it("the retention DM offers Keep 7 more days for that snapshot", () => {
    const message = noticeMessage({ kind: "snapshot_expiring", instance, snapshot }, NOW);
    expect(buttons(message.blocks)).toEqual(["ccc_snapshot_keep"]);
    expect(JSON.stringify(message.blocks)).toContain('"value":"ccc-abcdef"');
    expect(message.text).toContain("ccc snapshot keep ccc-abcdef");
  });

  it("a failed save says the machine was kept", () => {
    const message = noticeMessage(
      { kind: "save_failed", instance, snapshot, reason: "disk read error" },
      NOW,
    );
    expect(message.text).toBe(
      "ccc-abcdef could not be saved (disk read error); it keeps running until its expiry.",
    );
  });
});
