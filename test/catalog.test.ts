import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HetznerClient } from "../src/adapters/hetzner/hetzner-client.ts";
import { systemClock } from "../src/adapters/system-clock.ts";
import { Catalog } from "../src/core/cloud/catalog.ts";
import type { Clock } from "../src/core/ports/clock.ts";
import { Store as InstanceStore } from "../src/core/store/store.ts";
import { type FakeHetzner, startFakeHetzner } from "../stand-ins/fake-hetzner.ts";
import { FakeClock } from "./helpers/fake-clock.ts";
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
    const second = await vi.waitFor(
      async () => {
        const lists = await catalog.load();
        expect(lists).not.toBe(first);
        return lists;
      },
      { timeout: 10_000 },
    );
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

describe("Catalog saved in the store", () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("serves a new process from the saved lists while they are fresh, and asks Hetzner when stale", async () => {
    fake = await startFakeHetzner();
    dir = mkdtempSync(join(tmpdir(), "ccc-catalog-"));
    const clock = new FakeClock(Date.parse("2026-11-25T10:00:00Z"));
    const cloud = new HetznerClient({
      endpoint: fake.url,
      token: fake.token,
      clock: systemClock,
      ...FAST_HETZNER,
    });
    const lookups = () => fake.requests.filter((r) => r.path === "/server_types").length;
    // Each "process" opens the database and starts with an empty cache, as `ccc types` does.
    const inNewProcess = async <T>(use: (catalog: Catalog) => Promise<T>): Promise<T> => {
      const store = InstanceStore.open(join(dir, "ccc.db"), clock);
      try {
        return await use(new Catalog(cloud, clock, 5 * 60_000, store.catalogCache));
      } finally {
        store.close();
      }
    };

    const first = await inNewProcess((c) => c.offers("fsn1"));
    expect(first.length).toBeGreaterThan(0);
    expect(lookups()).toBe(1);

    clock.advance(4 * 60_000);
    expect(await inNewProcess((c) => c.offers("fsn1"))).toEqual(first);
    await expect(inNewProcess((c) => c.offers("nowhere"))).rejects.toThrow('Unknown location "nowhere"');
    expect(lookups()).toBe(1);

    clock.advance(60_000); // five minutes old: stale, so a new process asks Hetzner and waits for it
    const fetchedAt = clock.now().getTime();
    expect(await inNewProcess((c) => c.load())).toMatchObject({ at: fetchedAt });
    expect(lookups()).toBe(2);
    clock.advance(4 * 60_000);
    expect(await inNewProcess((c) => c.load())).toMatchObject({ at: fetchedAt });
    expect(lookups()).toBe(2);

    clock.advance(60_000); // stale again, and Hetzner refuses: stale lists are not served as fresh
    fake.failNext({ path: "/server_types" }, { status: 401, code: "unauthorized", message: "no" });
    await expect(inNewProcess((c) => c.load())).rejects.toMatchObject({ code: "unauthorized" });
    expect(lookups()).toBe(3);
  });
});
