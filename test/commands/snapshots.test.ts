// Listing snapshots: size, € per month from Hetzner's prices, and when each is deleted.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { snapshotsCommand } from "../../src/commands/snapshots.ts";
import { ForbiddenError } from "../../src/core/errors.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { startWorld, type World } from "../lifecycle/world.ts";
import { ADMIN, ALICE, BOB, savedMachine } from "../snapshots/saved-world.ts";
import { caught } from "./fixtures.ts";

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

const ctx = (actor: Actor) => ({ deps: w.deps, actor });

describe("snapshots", () => {
  it("lists one's own with size, monthly cost and expiry; admins see everyone's", async () => {
    const mine = await savedMachine(w, ALICE.id);
    const bobs = await savedMachine(w, BOB.id);
    // Each save asked for the price it is billed at; each list asks once more.
    const pricing = () => w.h.cloud.requests.filter((r) => r.path === "/pricing").length;
    const asked = pricing();
    const shown = await snapshotsCommand.execute(ctx(ALICE), {});
    // 1.5 GB at the fake's €0.011 net per GB-month, 19% VAT: €0.0196 → €0.02.
    expect(shown.json()).toEqual([
      expect.objectContaining({
        id: mine,
        owner: ALICE.id,
        status: "available",
        sizeGb: 1.5,
        monthly: { amount: "0.02", currency: "EUR" },
      }),
    ]);
    const text = shown.text({ now: w.clock.now(), actor: ALICE });
    expect(text).toContain("1.5 GB");
    expect(text).toContain("€0.02/month");
    expect(text).toContain(new Date(w.clock.now().getTime() + 7 * 86_400_000).toISOString().slice(0, 10));
    expect(shown.blocks({ now: w.clock.now(), actor: ALICE }).text).toContain(mine);

    const all = await snapshotsCommand.execute(ctx(ADMIN), { all: true });
    expect((all.json() as { id: string }[]).map((s) => s.id).sort()).toEqual([mine, bobs].sort());
    expect(pricing() - asked).toBe(2);
  });

  it("refuses someone else's list and says so when there are none", async () => {
    expect(await caught(() => snapshotsCommand.execute(ctx(BOB), { user: ALICE.id }))).toBeInstanceOf(
      ForbiddenError,
    );
    expect(await caught(() => snapshotsCommand.execute(ctx(BOB), { all: true }))).toBeInstanceOf(
      ForbiddenError,
    );
    const none = await snapshotsCommand.execute(ctx(BOB), {});
    expect(none.text({ now: w.clock.now(), actor: BOB })).toBe("No snapshots.");
    expect(w.h.cloud.requests).toEqual([]);
  });
});
