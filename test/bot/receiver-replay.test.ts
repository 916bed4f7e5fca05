// Finding 3 of the attack review: a captured, validly signed request sent again is acked and not
// acted on; a timestamp too far in the future is refused like one too old.
import { describe, expect, it } from "vitest";
import { makeKeyPair } from "../helpers/keys.ts";
import { OffsetClock } from "../helpers/offset-clock.ts";
import { ALICE } from "./bot-harness.ts";
import { clickWhere, readyMachine, useBotHarness } from "./use-bot.ts";

const HOUR = 3_600_000;
let clock: OffsetClock;
const b = useBotHarness(() => {
  clock = new OffsetClock();
  return { bot: { compose: { clock } } };
});

const store = () => b.running.bot.deps.store;
const repeats = () => b.logs.filter((l) => l.message === "repeated Slack request ignored");
const settled = () => b.running.bot.tasks.idle();

function sent() {
  const last = b.send.last;
  if (!last) throw new Error("nothing was sent");
  return last;
}

describe("a replayed request", () => {
  it("an Extend +4h click captured and sent again every 5.5 s extends once", async () => {
    const { dm, id } = await readyMachine(b);
    const before = store().require(id).expiresAt.getTime();
    await b.send.clickInMessage(ALICE, "ccc_extend_4h", id, clickWhere(b, dm));
    const click = sent();
    await b.slack.waitFor(() => store().require(id).expiresAt.getTime() === before + 4 * HOUR || null);
    await settled();

    for (let n = 0; n < 3; n++) {
      clock.advance(5_500); // past the window in which a double click counts as one
      expect((await b.send.resend(click)).status).toBe(200);
    }
    await settled();
    expect(store().require(id).expiresAt.getTime()).toBe(before + 4 * HOUR);
    expect(
      store()
        .events(id)
        .filter((e) => e.kind === "extended"),
    ).toHaveLength(1);
    expect(repeats().map((l) => l.fields)).toEqual([0, 1, 2].map(() => ({ kind: "action", user: ALICE })));
  });

  it("a modal submission posted three times creates one machine", async () => {
    const first = await b.send.submitProvision(ALICE, {
      sshKey: makeKeyPair().publicKey,
      location: "fsn1",
      serverType: "cx23",
      hours: "1",
    });
    expect(first.json).toEqual({ response_action: "clear" });
    const submission = sent();
    for (const again of [await b.send.resend(submission), await b.send.resend(submission)]) {
      expect(again.status).toBe(200);
      expect(again.body).toBe(""); // acked plainly: the modal closes, nothing else happens
    }
    await b.slack.waitFor(() => b.slack.messages().find((m) => m.text.includes("is ready")), 15_000);
    await settled();
    expect(store().list({ owner: ALICE })).toHaveLength(1);
    expect(b.h.cloud.servers()).toHaveLength(1);
    expect(repeats()).toHaveLength(2);
  });

  it("a replayed /ccc extend and a delivered-again event act once", async () => {
    const { id } = await readyMachine(b);
    const before = store().require(id).expiresAt.getTime();
    await b.send.command(ALICE, `extend ${id} 1`, b.slack.responseUrl());
    const command = sent();
    await b.slack.waitFor(() => store().require(id).expiresAt.getTime() === before + HOUR || null);
    await settled();
    clock.advance(60_000);
    expect((await b.send.resend(command)).status).toBe(200);

    const publishes = b.slack.calls("views.publish").length;
    await b.send.event({ type: "app_home_opened", user: ALICE, tab: "home", channel: "D0ALICE" });
    const event = sent();
    await b.slack.waitFor(() => b.slack.calls("views.publish").length === publishes + 1 || null);
    expect((await b.send.resend(event)).status).toBe(200);
    await settled();
    expect(store().require(id).expiresAt.getTime()).toBe(before + HOUR);
    expect(b.slack.calls("views.publish")).toHaveLength(publishes + 1);
    expect(repeats().map((l) => l.fields?.kind)).toEqual(["command", "event"]);
  });

  it("is acted on again once it is no longer remembered, but by then its timestamp is refused", async () => {
    await b.send.command(ALICE, "help", b.slack.responseUrl());
    const command = sent();
    clock.advance(10 * 60_000 + 1);
    const late = await b.send.resend(command);
    expect(late.status).toBe(401);
    expect(b.logs.at(-1)).toMatchObject({
      message: "Slack request refused",
      fields: { reason: "timestamp too old" },
    });
  });
});

describe("the request timestamp", () => {
  it("is refused more than 5 minutes in the future, as it is more than 5 minutes old", async () => {
    const now = Math.floor(Date.now() / 1000);
    const url = b.slack.responseUrl();
    for (const timestamp of [now + 6 * 60, now + 365 * 24 * 3600]) {
      const res = await b.send.command(ALICE, "help", url, { timestamp });
      expect(res.status).toBe(401);
      expect(res.body).not.toContain("ccc");
      expect(b.logs.at(-1)?.fields).toEqual({ reason: "timestamp in the future" });
    }
    // Clocks a little apart still work.
    for (const timestamp of [now + 4 * 60, now - 4 * 60]) {
      expect((await b.send.command(ALICE, "help", url, { timestamp })).status).toBe(200);
    }
  });
});
