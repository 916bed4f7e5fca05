// Extends racing each other from two processes on one database (two connections, two Hetzner
// clients): none is lost, and the server's ccc-expires-at label ends equal to the store.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HetznerClient } from "../../src/adapters/hetzner/hetzner-client.ts";
import { extend } from "../../src/commands/extend.ts";
import { serverLabels } from "../../src/core/cloud/server-labels.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import { labelledExpiry, syncExpiryLabel } from "../../src/core/instances/expiry-label.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";
import { MINUTE, plant, realTimeCloud, startWorld, type World } from "../lifecycle/world.ts";

const HOUR = 60 * MINUTE;
const admin = { id: "ops", isAdmin: true };

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  for (const s of w.h.cloud.servers()) await w.deps.cloud.deleteServer(s.id);
  for (const i of w.deps.store.list()) w.deps.store.remove(i.id, { actor: "test", kind: "deleted" });
  await w.close();
});

/**
 * A second process whose first label write waits for `release`: its write lands after everything
 * the other process did meanwhile, the order the race took.
 */
function heldProcess(): { deps: CoreDeps; release: () => void; held: Promise<void> } {
  const cloud: HetznerClient = realTimeCloud(w.h);
  const write = cloud.setServerLabels.bind(cloud);
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached = () => {};
  const held = new Promise<void>((resolve) => {
    reached = resolve;
  });
  let first = true;
  cloud.setServerLabels = async (id, labels, signal) => {
    if (first) {
      first = false;
      reached();
      await gate;
    }
    return write(id, labels, signal);
  };
  const deps = w.h.compose({ clock: w.clock, notifier: new RecordingNotifier(), cloud });
  return { deps, release, held };
}

/** The label names whole seconds. */
const label = () => w.h.cloud.servers()[0]?.labels["ccc-expires-at"];
const seconds = (ms: number) => String(Math.floor(ms / 1000));

describe("two processes extending one machine at once", () => {
  it("count both extends, the upper-case id too, and leave the label equal to the store", async () => {
    const { instance } = await plant(w.deps, { minutes: 60 });
    const before = instance.expiresAt.getTime();
    const slow = heldProcess();

    const first = extend({ deps: slow.deps, actor: admin }, { id: instance.id.toUpperCase(), hours: 4 });
    await slow.held;
    const second = await extend({ deps: w.deps, actor: admin }, { id: instance.id, hours: 1 });
    expect(second.expiresAt.getTime()).toBe(before + HOUR);
    slow.release();
    const both = await first;

    expect(both.expiresAt.getTime()).toBe(before + 5 * HOUR);
    expect(w.deps.store.require(instance.id).expiresAt.getTime()).toBe(before + 5 * HOUR);
    expect(label()).toBe(seconds(before + 5 * HOUR));
    expect(w.deps.store.events(instance.id).filter((e) => e.kind === "extended")).toHaveLength(2);
  });

  it("an extend refused after losing the race leaves no label of its own behind", async () => {
    // 68 of 72 hours used: +4 fits on the old deadline, but not after the other process's +1.
    const createdAt = new Date(w.clock.now().getTime() - 60 * HOUR);
    const { instance } = await plant(w.deps, { createdAt, minutes: 68 * 60 });
    const before = instance.expiresAt.getTime();
    const slow = heldProcess();

    const first = extend({ deps: slow.deps, actor: admin }, { id: instance.id, hours: 4 }).catch(
      (error: unknown) => error,
    );
    await slow.held;
    await extend({ deps: w.deps, actor: admin }, { id: instance.id, hours: 1 });
    slow.release();

    expect(String(await first)).toMatch(/at most 72 hours in all/);
    expect(w.deps.store.require(instance.id).expiresAt.getTime()).toBe(before + HOUR);
    expect(label()).toBe(seconds(before + HOUR));
  });

  it("many extends from both processes at once all count", async () => {
    const { instance } = await plant(w.deps, { minutes: 60 });
    const before = instance.expiresAt.getTime();
    const other = w.otherProcess();
    const runs = [w.deps, other.deps, w.deps, other.deps, w.deps, other.deps].map((deps) =>
      extend({ deps, actor: admin }, { id: instance.id, hours: 1 }),
    );
    await Promise.all(runs);
    expect(w.deps.store.require(instance.id).expiresAt.getTime()).toBe(before + 6 * HOUR);
    expect(label()).toBe(seconds(before + 6 * HOUR));
  });
});

describe("syncExpiryLabel", () => {
  it("writes the store's deadline over a stale label, and nothing when they already agree", async () => {
    const { instance, server } = await plant(w.deps, { minutes: 60 });
    const serverId = server?.id ?? 0;
    const stale = new Date(instance.expiresAt.getTime() - HOUR);
    await w.deps.cloud.setServerLabels(serverId, serverLabels(instance, stale));
    const puts = () => w.h.cloud.requests.filter((r) => r.method === "PUT").length;
    const before = puts();

    await syncExpiryLabel(w.deps, instance.id, serverId, stale);
    expect(label()).toBe(seconds(instance.expiresAt.getTime()));
    expect(puts()).toBe(before + 1);
    await syncExpiryLabel(w.deps, instance.id, serverId, instance.expiresAt);
    expect(puts()).toBe(before + 1);
    expect(labelledExpiry(w.h.cloud.servers()[0]?.labels ?? {})?.getTime()).toBe(
      Math.floor(instance.expiresAt.getTime() / 1000) * 1000,
    );
  });

  it("leaves a machine being deleted alone", async () => {
    const { instance, server } = await plant(w.deps, { minutes: 60 });
    w.deps.store.update(instance.id, { status: "deleting" }, { actor: "test", kind: "deleting" });
    const before = w.h.cloud.requests.length;
    await syncExpiryLabel(w.deps, instance.id, server?.id ?? 0, null);
    expect(w.h.cloud.requests.length).toBe(before);
    expect(labelledExpiry({})).toBeNull();
  });
});
