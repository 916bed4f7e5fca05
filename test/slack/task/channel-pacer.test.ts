// Issue 22: a task's status message is edited at most once a second per channel, events in between are
// coalesced, and the newest state always lands. Driven by a fake clock: no wall-clock timing.
import { describe, expect, it } from "vitest";
import { ChannelPacer } from "../../../src/slack/task/channel-pacer.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

function world() {
  const clock = new FakeClock(0);
  const pacer = new ChannelPacer(clock, 1_000);
  const writes: { at: number; channel: string; key: string; version: number }[] = [];
  const edit = (channel: string, key: string, version: number) =>
    pacer.update(channel, key, async () => {
      writes.push({ at: clock.now().getTime(), channel, key, version });
    });
  /** Lets the pacer's promises run, then moves the clock. */
  const tick = async (ms: number) => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
    clock.advance(ms);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { clock, pacer, writes, edit, tick };
}

describe("the channel pacer", () => {
  it("coalesces a burst into one write, then one a second, ending on the newest version", async () => {
    const w = world();
    for (let v = 1; v <= 10; v++) void w.edit("C1", "m1", v);
    await w.tick(0);
    expect(w.writes).toEqual([{ at: 0, channel: "C1", key: "m1", version: 10 }]);
    for (let v = 11; v <= 30; v++) {
      void w.edit("C1", "m1", v);
      await w.tick(100);
    }
    const last = w.edit("C1", "m1", 31);
    for (let i = 0; i < 20; i++) await w.tick(500);
    await last;
    const versions = w.writes.map((x) => x.version);
    expect(versions.at(-1)).toBe(31);
    expect(versions.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < w.writes.length; i++) {
      expect((w.writes[i]?.at ?? 0) - (w.writes[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
    }
    await w.pacer.idle();
  });

  it("lets a channel's messages take turns, one write a second in all, and other channels go at once", async () => {
    const w = world();
    void w.edit("C1", "a", 1);
    void w.edit("C1", "b", 1);
    void w.edit("C2", "c", 1);
    await w.tick(0);
    expect(w.writes.map((x) => `${x.channel}/${x.key}@${x.at}`)).toEqual(["C1/a@0", "C2/c@0"]);
    void w.edit("C1", "a", 2);
    await w.tick(1_000);
    await w.tick(1_000);
    expect(w.writes.map((x) => `${x.channel}/${x.key}.${x.version}@${x.at}`)).toEqual([
      "C1/a.1@0",
      "C2/c.1@0",
      "C1/b.1@1000",
      "C1/a.2@2000",
    ]);
    await w.pacer.idle();
  });

  it("counts a new post against the channel's interval", async () => {
    const w = world();
    await w.pacer.now("C1", async () => "posted");
    void w.edit("C1", "m", 1);
    await w.tick(999);
    expect(w.writes).toEqual([]);
    await w.tick(1);
    expect(w.writes).toHaveLength(1);
  });

  it("keeps going after a failed write", async () => {
    const w = world();
    const failed = w.pacer.update("C1", "m", async () => {
      throw new Error("ratelimited");
    });
    await w.tick(0);
    await failed;
    void w.edit("C1", "m", 2);
    await w.tick(1_000);
    expect(w.writes.map((x) => x.version)).toEqual([2]);
  });
});

describe("the channel pacer, as its queue empties", () => {
  it("writes a version queued by whoever heard the last one land (before the drain had quite ended)", async () => {
    const w = world();
    let second: Promise<void> | undefined;
    // The first version's listener queues the next at once, in the same run of promise callbacks.
    void w.edit("C1", "m", 1).then(() => {
      second = w.edit("C1", "m", 2);
    });
    for (let i = 0; i < 10; i++) await w.tick(500);
    expect(second).toBeDefined();
    await second;
    expect(w.writes.map((x) => `${x.version}@${x.at}`)).toEqual(["1@0", "2@1000"]);
    await w.pacer.idle();
  });
});
