// The replay guard's memory: what it keeps, for how long, and the Bolt middleware that uses it (the
// same in Socket Mode as over HTTP; test/bot/receiver-replay.test.ts drives it through the bot).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../src/core/ports/logger.ts";
import type { SeenRequestStore } from "../src/core/store/store.ts";
import { Store } from "../src/core/store/store.ts";
import { REPLAY_WINDOW_MS, replayGuard, replayKey } from "../src/slack/receiver/replay-guard.ts";
import { FakeClock } from "./helpers/fake-clock.ts";

const MINUTE = 60_000;
let dir: string;
let clock: FakeClock;
let store: Store;
let seen: SeenRequestStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ccc-seen-"));
  clock = new FakeClock(new Date("2026-11-25T10:00:00Z"));
  store = Store.open(join(dir, "ccc.db"), clock);
  seen = store.seenRequests;
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("SeenRequestStore", () => {
  it("says a key is new once, a repeat within the window, and new again after it", () => {
    const t0 = clock.now().getTime();
    expect(seen.firstSight("action:t1:1.1", t0, 10 * MINUTE)).toBe(true);
    expect(seen.firstSight("action:t1:1.1", t0 + 1, 10 * MINUTE)).toBe(false);
    expect(seen.firstSight("action:t1:1.1", t0 + 10 * MINUTE - 1, 10 * MINUTE)).toBe(false);
    expect(seen.firstSight("action:t2:1.1", t0 + 1, 10 * MINUTE)).toBe(true);
    expect(seen.firstSight("action:t1:1.1", t0 + 10 * MINUTE, 10 * MINUTE)).toBe(true);
  });

  it("forgets keys older than the window, so the table holds only the last ten minutes", () => {
    const t0 = clock.now().getTime();
    for (let n = 0; n < 500; n++) seen.firstSight(`command:t${n}`, t0 + n, 10 * MINUTE);
    expect(seen.size()).toBe(500);
    seen.firstSight("command:late", t0 + 10 * MINUTE + 250, 10 * MINUTE);
    expect(seen.size()).toBe(500 - 251 + 1);
    seen.firstSight("command:later", t0 + 30 * MINUTE, 10 * MINUTE);
    expect(seen.size()).toBe(1);
  });

  it("is shared by every process on the database", () => {
    const other = Store.open(join(dir, "ccc.db"), clock);
    try {
      expect(seen.firstSight("event:Ev1", clock.now().getTime(), REPLAY_WINDOW_MS)).toBe(true);
      expect(other.seenRequests.firstSight("event:Ev1", clock.now().getTime(), REPLAY_WINDOW_MS)).toBe(false);
    } finally {
      other.close();
    }
  });
});

describe("the replay guard", () => {
  const click = {
    type: "block_actions",
    user: { id: "U0ALICE" },
    trigger_id: "trigger-1",
    actions: [{ action_id: "ccc_extend_4h", action_ts: "1764064800.123456", value: "ccc-abcdef" }],
  };

  it("keys what Slack sends by trigger, action, view as submitted, or event id", () => {
    expect(replayKey({ command: "/ccc", trigger_id: "t1", text: "list" })).toBe("command:t1");
    expect(replayKey(click)).toBe("action:trigger-1:1764064800.123456");
    expect(replayKey({ type: "view_submission", trigger_id: "t2", view: { id: "V1", hash: "h1" } })).toBe(
      "view:V1:h1:t2",
    );
    expect(replayKey({ type: "event_callback", event_id: "Ev1", event: { type: "app_home_opened" } })).toBe(
      "event:Ev1",
    );
    expect(replayKey({ type: "url_verification" })).toBeNull();
  });

  it("passes a request on once and acks its repeats without passing them on (as Socket Mode delivers them)", async () => {
    const log = { ...silentLogger, warn: vi.fn() };
    const guard = replayGuard(seen, clock, log);
    const deliver = async (retryNum?: number) => {
      const ack = vi.fn(async () => {});
      const next = vi.fn(async () => {});
      const context = retryNum === undefined ? {} : { retryNum };
      await guard({ body: click, ack, next, context } as unknown as Parameters<typeof guard>[0]);
      return { acked: ack.mock.calls.length, passed: next.mock.calls.length };
    };
    expect(await deliver()).toEqual({ acked: 0, passed: 1 }); // the listener acks it
    expect(await deliver(1)).toEqual({ acked: 1, passed: 0 });
    expect(log.warn).toHaveBeenCalledWith("repeated Slack request ignored", {
      kind: "action",
      user: "U0ALICE",
      retryNum: 1,
    });
    clock.advance(REPLAY_WINDOW_MS);
    expect(await deliver()).toEqual({ acked: 0, passed: 1 });
  });
});
