import { describe, expect, it } from "vitest";
import { noticeText } from "../../src/adapters/printing-notifier.ts";
import { noticeMessage } from "../../src/adapters/slack/slack-notifier.ts";
import { hostKeyFingerprint } from "../../src/core/machine/host-key.ts";
import { anInstance, NOW } from "../commands/fixtures.ts";
import { makeKeyPair } from "../helpers/keys.ts";

describe("the DMs a guest gets", () => {
  it("says who let them in, how to log in, which host key to trust, and that they cannot extend or delete", () => {
    const hostKey = makeKeyPair().publicKey.split(" ").slice(0, 2).join(" ");
    const instance = anInstance({ hostKey });
    const message = noticeMessage({ kind: "shared", instance, to: "U0BOB", by: "U0ALICE" }, NOW);
    const shown = JSON.stringify(message.blocks);
    expect(message.text).toBe("U0ALICE let you into ccc-abcdef: ssh claude@203.0.113.7");
    expect(shown).toContain("<@U0ALICE> let you into *ccc-abcdef*: `ssh claude@203.0.113.7`");
    expect(shown).toContain("not extend or delete it");
    expect(shown).toContain(hostKeyFingerprint(hostKey));
    expect(noticeText({ kind: "shared", instance, to: "bob", by: "alice" })).toBe(
      "DM bob: alice let you into ccc-abcdef: ssh claude@203.0.113.7",
    );
  });

  it("tells a guest what they can do: root as claude, or their own account and the work folder", () => {
    const instance = anInstance();
    const root = JSON.stringify(
      noticeMessage({ kind: "shared", instance, to: "U0BOB", by: "U0ALICE" }, NOW).blocks,
    );
    expect(root).toContain("You log in as claude, with sudo: root on the machine.");
    const own = noticeMessage(
      { kind: "shared", instance, to: "U0BOB", by: "U0ALICE", login: "ccc-guest-2" },
      NOW,
    );
    expect(own.text).toBe("U0ALICE let you into ccc-abcdef: ssh ccc-guest-2@203.0.113.7");
    expect(JSON.stringify(own.blocks)).toContain(
      "You log in as ccc-guest-2, without sudo: you can read and write the work folder (/home/claude/work)",
    );
    expect(noticeText({ kind: "shared", instance, to: "bob", by: "alice", login: "ccc-guest-2" })).toBe(
      "DM bob: alice let you into ccc-abcdef: ssh ccc-guest-2@203.0.113.7",
    );
  });

  it("offers a button to set a key when ccc has none of theirs", () => {
    const message = noticeMessage(
      { kind: "key_needed", instance: anInstance(), to: "U0BOB", by: "U0ALICE" },
      NOW,
    );
    expect(JSON.stringify(message.blocks)).toContain('"action_id":"ccc_set_key"');
    expect(noticeText({ kind: "key_needed", instance: anInstance(), to: "bob", by: "alice" })).toContain(
      "DM bob: alice wants to let you into ccc-abcdef",
    );
  });
});
