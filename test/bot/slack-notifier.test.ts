import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlackNotifier } from "../../src/adapters/slack/slack-notifier.ts";
import { createSlackWebClient } from "../../src/adapters/slack/web-client.ts";
import { systemClock } from "../../src/adapters/system-clock.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import type { Logger } from "../../src/core/ports/logger.ts";
import { type FakeSlack, startFakeSlack } from "../../stand-ins/fake-slack.ts";

const silent: Logger = { info() {}, warn() {}, error() {} };
let slack: FakeSlack;
beforeEach(async () => {
  slack = await startFakeSlack();
});
afterEach(async () => {
  await slack.close();
});

const now = new Date("2026-01-10T10:00:00Z");
const clock = { ...systemClock, now: () => now };
const instance = (owner: string): Instance => ({
  id: "ccc-abcdef",
  owner,
  ownerEmail: null,
  sshKeys: [],
  sshKeyFingerprint: "SHA256:x",
  serverType: "cx23",
  location: "fsn1",
  hetznerServerId: 1,
  ipv4: "203.0.113.5",
  ipv6: null,
  status: "ready",
  failureReason: null,
  createdAt: now,
  readyAt: now,
  expiresAt: new Date(now.getTime() + 15 * 60_000),
  deletedAt: null,
  hostKey: null,
});

function notifier(admins: string[] = ["U0ADMIN"]) {
  const client = createSlackWebClient(slack.token, slack.apiUrl, silent, { retryConfig: { retries: 0 } });
  return new SlackNotifier(client, { admins, clock, log: silent });
}

describe("SlackNotifier", () => {
  it("DMs the owner a reminder with the expiry, the time left and the same buttons as the ready DM", async () => {
    expect(
      await notifier().notify({ kind: "reminder", instance: instance("U0ALICE"), minutesLeft: 15 }),
    ).toBe("sent");
    expect(slack.calls("conversations.open")[0]?.body.users).toBe("U0ALICE");
    const [message] = slack.messages();
    const text = JSON.stringify(message?.blocks);
    expect(message?.channel).toBe("D0ALICE");
    expect(text).toContain(
      `<!date^${now.getTime() / 1000 + 900}^{date_short_pretty} {time}|2026-01-10 10:15 UTC>`,
    );
    expect(text).toContain("in 15 minutes");
    for (const id of ["ccc_extend_1h", "ccc_extend_4h", "ccc_delete"]) expect(text).toContain(id);
  });

  it("DMs the ready card when a provision resumed after a restart is done", async () => {
    expect(await notifier().notify({ kind: "ready", instance: instance("U0ALICE") })).toBe("sent");
    const text = JSON.stringify(slack.messages()[0]?.blocks);
    expect(text).toContain("ssh claude@203.0.113.5");
    expect(text).toContain("ccc_delete");
  });

  it("tells admins about alerts, skips owners that are not Slack users, and never throws", async () => {
    const n = notifier(["U0ADMIN", "U0OTHER"]);
    expect(await n.notify({ kind: "admin_alert", text: "orphan <ccc-x> deleted" })).toBe("sent");
    expect(slack.calls("conversations.open").map((c) => c.body.users)).toEqual(["U0ADMIN", "U0OTHER"]);
    expect(JSON.stringify(slack.messages()[0]?.blocks)).toContain("orphan &lt;ccc-x&gt; deleted");

    expect(await n.notify({ kind: "expired", instance: instance("alice-operator") })).toBe("no_recipient");
    slack.fail("chat.postMessage", { error: "account_inactive" });
    expect(await n.notify({ kind: "expired", instance: instance("U0GONE") })).toBe("failed");
    expect(await n.notify({ kind: "server_gone", instance: instance("U0ALICE") })).toBe("sent");
    expect(slack.messages().at(-1)?.text).toContain("deleted outside ccc");
  });

  it("waits out a short rate limit for that one DM only", async () => {
    slack.fail("chat.postMessage", { error: "ratelimited", retryAfter: 1 });
    const started = Date.now();
    expect(await notifier().notify({ kind: "expired", instance: instance("U0ALICE") })).toBe("sent");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(slack.calls("chat.postMessage")).toHaveLength(2);
  });
});
