import { describe, expect, it } from "vitest";
import { ALICE } from "../bot/bot-harness.ts";
import { socketCommand } from "../bot/socket-harness.ts";
import { useSocketBotHarness } from "../bot/use-bot.ts";
import { eventCallback, provisionSubmission } from "../helpers/slack-payloads.ts";
import { scrape } from "./exposition.ts";

const b = useSocketBotHarness();

describe("GET /metrics in Socket Mode", () => {
  it("times the ack of each command, view submission and event on the socket", async () => {
    expect(await socketCommand(b, ALICE, "help")).toContain("ccc commands");
    const submission = provisionSubmission(ALICE, {
      sshKey: "hello there",
      location: "fsn1",
      serverType: "cx23",
      hours: "2",
    });
    const refused = await b.socket.deliver("interactive", submission, { acceptsResponsePayload: true });
    expect(refused.payload.response_action).toBe("errors");
    const opened = eventCallback({
      type: "app_home_opened",
      user: ALICE,
      channel: "D0ALICE",
      tab: "home",
      event_ts: `${Date.now() / 1000}`,
    });
    expect((await b.socket.deliver("events_api", opened)).payload).toEqual({});

    const m = await scrape(b.running.port);
    const acks = "ccc_slack_ack_duration_seconds_count";
    expect(m.value(acks, { kind: "command" })).toBe(1);
    expect(m.value(acks, { kind: "view" })).toBe(1);
    expect(m.value(acks, { kind: "event" })).toBe(1);
    expect(m.value(acks, { kind: "action" })).toBeUndefined();
    await b.slack.waitFor(() => b.slack.calls("views.publish")[0], 10_000, "the home view");
  });
});
