// The hibernation snapshots' cost while asleep, said apart in `usage` (text, JSON, the API's schema),
// per person and for the team: only snapshots of machines that slept, only until their wake.
import { describe, expect, it } from "vitest";
import { usage, usageBlocks, usageJson, usageText } from "../../src/commands/usage.ts";
import { usageSchema } from "../../src/render/schemas/money-schemas.ts";
import { ADMIN, ALICE, anInstance, BOB, type StoreWorld, startStoreWorld } from "../commands/fixtures.ts";
import { perTest } from "../helpers/per-test.ts";
import { HOUR } from "./billed.ts";

const w = perTest(
  () => startStoreWorld({ fakeHetzner: true }),
  () => {},
);
/** 2 GB at €0.05 is €0.10 a month: each of November's 720 hours costs €0.10/720. */
const IMAGE = { imageSizeGb: 2, pricePerGbMonth: "0.0500000000000000" };

/** A save begun at `from` (made at once), deleted at `to` unless null. */
function heldSnapshot(world: StoreWorld, id: string, owner: string, from: string, to: string | null) {
  world.clock.set(new Date(from));
  world.deps.store.add(anInstance({ id, owner, createdAt: world.clock.now() }), {
    actor: "test",
    kind: "created",
  });
  world.deps.store.snapshots.begin(
    {
      id,
      owner,
      hostKey: null,
      architecture: "x86",
      diskGb: 40,
      serverType: "cx23",
      location: "nbg1",
      createdAt: world.clock.now(),
      expiresAt: new Date(world.clock.now().getTime() + 7 * 24 * HOUR),
    },
    3,
  );
  world.deps.store.snapshots.available(id, { ...IMAGE, diskGb: 40, architecture: "x86" });
  if (to !== null) {
    world.clock.set(new Date(to));
    world.deps.store.snapshots.deleted(id, world.clock.now(), "woken");
  }
}

interface Money {
  amount: string;
  currency: string;
}
interface Asleep {
  cost: Money;
  hours: number;
  byOwner: Record<string, { cost: Money; hours: number }>;
}

describe("the snapshots' cost while asleep", () => {
  it("is its own line and field, per person and for the team; ordinary saves are not in it", () => {
    // Alice's machine slept from Nov 5 12:00 to its wake on Nov 11 12:00: 144 hours are €0.02.
    heldSnapshot(w, "ccc-sleep1", ALICE.id, "2026-11-05T12:00:00Z", null);
    const sleep = w.deps.store.hibernation.sleep(
      "ccc-sleep1",
      ALICE.id,
      new Date("2026-11-05T12:02:00Z"),
      48 * HOUR,
      "0.0104",
    );
    w.clock.set(new Date("2026-11-11T12:00:00Z"));
    w.deps.store.hibernation.close(sleep.id, "woken", w.clock.now());
    w.deps.store.snapshots.deleted("ccc-sleep1", w.clock.now(), "woken");
    // Bob's has slept since Nov 20 00:00 and still does: 24 hours by Nov 21 00:00.
    heldSnapshot(w, "ccc-sleep2", BOB.id, "2026-11-20T00:00:00Z", null);
    w.deps.store.hibernation.sleep("ccc-sleep2", BOB.id, w.clock.now(), 48 * HOUR, "0.0104");
    // An ordinary Save & delete of Alice's: a snapshot, but no sleep.
    heldSnapshot(w, "ccc-saved1", ALICE.id, "2026-11-01T00:00:00Z", "2026-11-15T00:00:00Z");
    w.clock.set(new Date("2026-11-21T00:00:00Z"));

    const alice = usage(w.ctx(ALICE), { month: "2026-11" });
    const aliceJson = usageJson(alice) as { hibernationSnapshots: Asleep; total: { amount: string } };
    expect(aliceJson.hibernationSnapshots).toEqual({
      cost: { amount: "0.02", currency: "EUR" },
      hours: 144,
      byOwner: { [ALICE.id]: { cost: { amount: "0.02", currency: "EUR" }, hours: 144 } },
    });
    // It is part of the snapshot spend, not added on top: the ordinary save's 336 hours are €0.0466…
    expect(aliceJson.total.amount).toBe("0.07");
    const aliceText = usageText(alice);
    expect(aliceText).toContain(
      "hibernation snapshots while asleep: €0.02 for 144 snapshot-hours (part of the snapshot spend above)",
    );
    // The API's schema keeps the field (and the hours saved) rather than dropping it.
    expect(usageSchema.parse(aliceJson)).toMatchObject({
      hibernationSnapshots: { cost: { amount: "0.02" }, hours: 144 },
      hibernationSaved: { hours: 48 },
    });

    const team = usageJson(usage(w.ctx(ADMIN), { month: "2026-11", all: true })) as {
      hibernationSnapshots: Asleep;
    };
    expect(team.hibernationSnapshots.hours).toBe(168);
    // JSON money has two places; the text line keeps the fractions of a cent.
    expect(team.hibernationSnapshots.cost).toEqual({ amount: "0.02", currency: "EUR" });
    expect(team.hibernationSnapshots.byOwner[BOB.id]).toEqual({
      cost: { amount: "0.00", currency: "EUR" },
      hours: 24,
    });
    const teamText = usageText(usage(w.ctx(ADMIN), { month: "2026-11", all: true }));
    expect(teamText).toMatch(/hibernation snapshots while asleep: €0\.02333\d* for 168 snapshot-hours/);
    expect(teamText).toMatch(new RegExp(`    ${BOB.id}: €0\\.00333\\d*, 24 h`));

    // A month without sleeps has no such field or line.
    const october = usage(w.ctx(ALICE), { month: "2026-10" });
    expect(usageJson(october)).not.toHaveProperty("hibernationSnapshots");
    expect(usageText(october)).not.toContain("while asleep");
  });

  it("is in the Slack answer too, beside the hours saved, per person for the team", () => {
    heldSnapshot(w, "ccc-sleep1", ALICE.id, "2026-11-05T12:00:00Z", null);
    const sleep = w.deps.store.hibernation.sleep(
      "ccc-sleep1",
      ALICE.id,
      new Date("2026-11-05T12:02:00Z"),
      48 * HOUR,
      "0.0104",
    );
    w.clock.set(new Date("2026-11-11T12:00:00Z"));
    w.deps.store.hibernation.close(sleep.id, "woken", w.clock.now());
    w.deps.store.snapshots.deleted("ccc-sleep1", w.clock.now(), "woken");
    heldSnapshot(w, "ccc-sleep2", BOB.id, "2026-11-20T00:00:00Z", null);
    w.deps.store.hibernation.sleep("ccc-sleep2", BOB.id, w.clock.now(), 48 * HOUR, "0.0104");
    w.clock.set(new Date("2026-11-21T00:00:00Z"));

    const own = JSON.stringify(usageBlocks(usage(w.ctx(ALICE), { month: "2026-11" })).blocks);
    // 48 hours not run at €0.0104 an hour; the snapshot's 144 hours asleep.
    expect(own).toContain("Hibernation saved *≈ 48 machine-hours*, ≈ €0.50 (not run while asleep)");
    expect(own).toContain("Snapshots while asleep: €0.02 for 144 snapshot-hours (part of the spend above)");
    const team = JSON.stringify(usageBlocks(usage(w.ctx(ADMIN), { month: "2026-11", all: true })).blocks);
    expect(team).toContain("≈ 72 machine-hours");
    expect(team).toContain(`<@${BOB.id}>: ≈ 24 h, ≈ €0.25`);
    expect(team).toMatch(new RegExp(`<@${BOB.id}>: €0\\.00333\\d*, 24 h`));

    // Nothing slept in October: no such section.
    const october = usageBlocks(usage(w.ctx(ALICE), { month: "2026-10" }));
    expect(JSON.stringify(october.blocks)).not.toContain("Hibernation saved");
    expect(october.blocks).toHaveLength(1);
  });
});
