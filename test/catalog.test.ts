import { afterEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "../src/adapters/system-clock.ts";
import { Catalog } from "../src/core/catalog.ts";
import type { Clock } from "../src/core/clock.ts";
import { HetznerClient } from "../src/core/hetzner/hetzner-client.ts";
import { type FakeHetzner, startFakeHetzner } from "./fakes/fake-hetzner.ts";
import { FAST_HETZNER } from "./helpers/harness.ts";
import { holdCalls } from "./helpers/hold.ts";

let fake: FakeHetzner;
afterEach(() => fake.close());

describe("Catalog", () => {
  it("answers a stale list at once while it refreshes, and keeps it when the refresh fails", async () => {
    fake = await startFakeHetzner();
    let now = 0;
    const clock: Clock = { now: () => new Date(now), sleep: systemClock.sleep };
    const cloud = new HetznerClient({ endpoint: fake.url, token: fake.token, clock, ...FAST_HETZNER });
    const catalog = new Catalog(cloud, clock, 60_000);
    const lookups = () => fake.requests.filter((r) => r.path === "/server_types").length;

    const first = await catalog.load();
    expect(lookups()).toBe(1);
    expect(await catalog.load()).toBe(first);
    expect(lookups()).toBe(1);

    now = 61_000;
    // Stale, and Hetzner is slow: the stale lists come back without waiting; the new ones follow.
    const slow = holdCalls(cloud, "listServerTypes");
    expect(await catalog.load()).toBe(first);
    await slow.reached;
    slow.release();
    await slow.calls[0];
    const second = await vi.waitFor(async () => {
      const lists = await catalog.load();
      expect(lists).not.toBe(first);
      return lists;
    });
    expect(second.types.map((t) => t.name)).toEqual(first.types.map((t) => t.name));
    expect(lookups()).toBe(2);

    now = 200_000;
    // Stale, and the refresh fails: the lists stay as they were.
    fake.failNext({ path: "/server_types" }, { status: 401, code: "unauthorized", message: "no" });
    const failing = holdCalls(cloud, "listServerTypes", { held: false });
    expect(await catalog.load()).toBe(second);
    await expect(failing.calls[0]).rejects.toMatchObject({ code: "unauthorized" });
    expect(lookups()).toBe(3);
    expect(await catalog.load()).toBe(second);
  });
});
