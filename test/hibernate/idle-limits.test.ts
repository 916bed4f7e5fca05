// Which idle limit applies: the machine's own (provision --idle), else its owner's (prefs idle=…), else
// the operator's; within CCC_IDLE_MAX_MINUTES; 0 turns hibernation off. A refused --idle records nothing.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acceptProvision } from "../../src/commands/provision.ts";
import { DEFAULT_HIBERNATION, idleLimitMs } from "../../src/core/hibernate/idle-policy.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { MINUTE, plant, startWorld, type World } from "../lifecycle/world.ts";

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

describe("idle limits", () => {
  it("machine over person over operator, capped, and off with 0", async () => {
    const { instance } = await plant(w.deps, { owner: "U0ALICE", minutes: 600 });
    expect(idleLimitMs(w.deps, instance)).toBe(30 * MINUTE);
    w.deps.store.prefs.update("U0ALICE", { idleMinutes: 45 }, w.clock.now());
    expect(idleLimitMs(w.deps, instance)).toBe(45 * MINUTE);
    w.deps.store.hibernation.setIdleMinutes(instance.id, 0, w.clock.now());
    expect(idleLimitMs(w.deps, instance)).toBeNull();
    const capped = { ...w.deps, hibernation: { ...DEFAULT_HIBERNATION, maxIdleMinutes: 120 } };
    expect(idleLimitMs(capped, instance)).toBe(120 * MINUTE);
    const off = { ...w.deps, hibernation: { ...DEFAULT_HIBERNATION, idleMinutes: 0 } };
    w.deps.store.hibernation.setIdleMinutes(instance.id, 60, w.clock.now());
    expect(idleLimitMs(off, instance)).toBeNull();
  });

  it("provision --idle never beyond the cap is refused before anything is recorded or spent", async () => {
    const deps = { ...w.deps, hibernation: { ...DEFAULT_HIBERNATION, maxIdleMinutes: 120 } };
    const ctx = { deps, actor: { id: "U0ALICE", isAdmin: false } };
    const input = { owner: "U0ALICE", sshKey: makeKeyPair().publicKey, idle: "never" };
    await expect(acceptProvision(ctx, input)).rejects.toThrow(/at most 120 minutes/);
    await expect(acceptProvision(ctx, { ...input, idle: "5" })).rejects.toThrow(/10 or more/);
    expect(w.deps.store.list({ includeEnded: true })).toEqual([]);
    expect(w.h.cloud.requests.filter((r) => r.method === "POST")).toEqual([]);
    const recorded = await acceptProvision(ctx, { ...input, idle: 90 });
    expect(w.deps.store.hibernation.activity(recorded.id)?.idleMinutes).toBe(90);
    expect(idleLimitMs(deps, recorded)).toBe(90 * MINUTE);
  });
});
