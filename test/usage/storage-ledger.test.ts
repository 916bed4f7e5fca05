// Volumes and snapshots in the ledger: costed from their own rows at the price stored when each was
// made, by started hours held, capped at size × price per calendar month.
import { describe, expect, it } from "vitest";
import { usage, usageCsv, usageJson, usageText } from "../../src/commands/usage.ts";
import { standing } from "../../src/core/budget/standing.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { ADMIN, ALICE, BOB, caught, NOW, type StoreWorld, startStoreWorld } from "../commands/fixtures.ts";
import { perTest } from "../helpers/per-test.ts";
import { HOUR, ran, requestMachine, startBilled } from "./billed.ts";

const w = perTest(
  () => startStoreWorld({ fakeHetzner: true }),
  () => {},
);
/** €0.10 per GB-month: a 10 GB volume costs €1.00 for a whole month. */
const DIME_GB = "0.1000000000000000";
let cloudIds = 500;
/** One cent in the ledger's exact units. */
const CENT = 10n ** 14n;

/** A volume recorded as made at `from` with `pricePerGbMonth`, and deleted at `to` unless null. */
function heldVolume(
  world: StoreWorld,
  owner: string,
  from: string,
  to: string | null,
  volume: { sizeGb?: number; pricePerGbMonth?: string; location?: string } = {},
) {
  const sizeGb = volume.sizeGb ?? 10;
  world.clock.set(new Date(from));
  const machine = `ccc-v${++cloudIds}`;
  const claim = world.deps.store.workVolumes.claim(
    owner,
    volume.location ?? "fsn1",
    machine,
    sizeGb,
    world.clock.now(),
  );
  if (claim.kind !== "claimed") throw new Error("fixture: volume busy");
  const rowId = claim.volume.rowId;
  world.deps.store.workVolumes.made(rowId, {
    hetznerId: cloudIds,
    linuxDevice: `/dev/disk/by-id/scsi-0HC_Volume_${cloudIds}`,
    sizeGb,
    createdAt: world.clock.now(),
    pricePerGbMonth: volume.pricePerGbMonth ?? DIME_GB,
  });
  world.deps.store.workVolumes.release(machine, world.clock.now());
  if (to !== null) {
    world.clock.set(new Date(to));
    world.deps.store.workVolumes.close(rowId, "deleted", world.clock.now());
  }
  return rowId;
}

/** A save begun at `from`; made with an image of `imageSizeGb` unless null (a failed save); deleted at `to`. */
function heldSnapshot(
  world: StoreWorld,
  id: string,
  owner: string,
  from: string,
  to: string | null,
  image: { imageSizeGb: number; pricePerGbMonth: string } | null,
) {
  world.clock.set(new Date(from));
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
  if (image === null) {
    world.deps.store.snapshots.failed(id, "the snapshot failed");
  } else {
    world.deps.store.snapshots.available(id, { ...image, diskGb: 40, architecture: "x86" });
  }
  if (to !== null) {
    world.clock.set(new Date(to));
    world.deps.store.snapshots.deleted(id, world.clock.now());
  }
}

function shown(input: { month: string; by?: "user" | "type" | "location" | "day"; user?: string }) {
  return usageJson(usage(w.ctx(ADMIN), { ...input, ...(input.user ? {} : { all: true }) })) as {
    month: string;
    total: { amount: string; currency: "EUR" };
    rows: {
      key: string;
      cost: { amount: string; currency: "EUR" };
      hours: number;
      machines: number;
      volumes: number;
      snapshots: number;
    }[];
  };
}

describe("volumes and snapshots in the ledger", () => {
  it("cost the hours they were held at the price stored when each was made, beside machines", () => {
    ran(w, "2026-11-10T10:00:00Z", 120, { owner: ALICE.id });
    // 71.5 hours held are 72 started hours: 72/720 of November's €1.00.
    heldVolume(w, ALICE.id, "2026-11-10T10:00:00Z", "2026-11-13T09:30:00Z");
    // 2 GB at €0.05 is €0.10 a month; 144 of November's 720 hours are €0.02.
    heldSnapshot(w, "ccc-saved1", BOB.id, "2026-11-05T12:00:00Z", "2026-11-11T12:00:00Z", {
      imageSizeGb: 2,
      pricePerGbMonth: "0.0500000000000000",
    });
    // A save that failed left no image and costs nothing.
    heldSnapshot(w, "ccc-saved2", BOB.id, "2026-11-06T12:00:00Z", null, null);
    // A volume made later at another price does not change what the first one cost.
    heldVolume(w, BOB.id, "2026-11-20T00:00:00Z", "2026-11-20T00:30:00Z", {
      pricePerGbMonth: "7.2000000000000000",
    });
    w.clock.set(new Date("2026-12-02T00:00:00Z"));

    expect(shown({ month: "2026-11" })).toEqual({
      month: "2026-11",
      total: { amount: "0.42", currency: "EUR" },
      rows: [
        {
          key: ALICE.id,
          owner: ALICE.id,
          cost: { amount: "0.30", currency: "EUR" },
          hours: 74,
          machines: 1,
          volumes: 1,
          snapshots: 0,
        },
        // 10 GB × €7.20 for 1 of 720 hours is €0.10; and the snapshot's €0.02.
        {
          key: BOB.id,
          owner: BOB.id,
          cost: { amount: "0.12", currency: "EUR" },
          hours: 145,
          machines: 0,
          volumes: 1,
          snapshots: 1,
        },
      ],
    });
    expect(shown({ month: "2026-11", by: "type" }).rows).toEqual([
      {
        key: "cx23",
        cost: { amount: "0.20", currency: "EUR" },
        hours: 2,
        machines: 1,
        volumes: 0,
        snapshots: 0,
      },
      {
        key: "volume",
        cost: { amount: "0.20", currency: "EUR" },
        hours: 73,
        machines: 0,
        volumes: 2,
        snapshots: 0,
      },
      {
        key: "snapshot",
        cost: { amount: "0.02", currency: "EUR" },
        hours: 144,
        machines: 0,
        volumes: 0,
        snapshots: 1,
      },
    ]);
    expect(shown({ month: "2026-11", by: "location" }).rows).toEqual([
      {
        key: "fsn1",
        cost: { amount: "0.40", currency: "EUR" },
        hours: 75,
        machines: 1,
        volumes: 2,
        snapshots: 0,
      },
      {
        key: "nbg1",
        cost: { amount: "0.02", currency: "EUR" },
        hours: 144,
        machines: 0,
        volumes: 0,
        snapshots: 1,
      },
    ]);
    // Two servers' worth of words for one server, two volumes and a snapshot would be wrong.
    const text = usageText(usage(w.ctx(ADMIN), { month: "2026-11", all: true }));
    expect(text).toContain("1 machine, 1 volume");
    expect(text).toContain("0 machines, 1 volume, 1 snapshot");
    expect(text).toMatch(/total +€0\.42 +219 h +1 machine, 2 volumes, 1 snapshot/);
    expect(usageCsv(usage(w.ctx(ADMIN), { month: "2026-11", all: true, by: "type" })).split("\n")).toEqual([
      "type,eur,hours,machines,volumes,snapshots",
      "cx23,0.20,2,1,0,0",
      "volume,0.20,73,0,2,0",
      "snapshot,0.02,144,0,0,1",
      "total,0.42,219,1,2,1",
    ]);
  });

  it("file each hour under the month it starts in, a whole month costing exactly size × price", () => {
    // Held from 23:30 on 31 October: one October hour, all 720 of November's, December's up to now.
    heldVolume(w, ALICE.id, "2026-10-31T23:30:00Z", null);
    w.clock.set(new Date("2026-12-10T00:00:00Z"));
    expect(shown({ month: "2026-10" }).rows).toEqual([
      {
        key: ALICE.id,
        owner: ALICE.id,
        cost: { amount: "0.00", currency: "EUR" },
        hours: 1,
        machines: 0,
        volumes: 1,
        snapshots: 0,
      },
    ]);
    expect(shown({ month: "2026-11" }).rows).toEqual([
      {
        key: ALICE.id,
        owner: ALICE.id,
        cost: { amount: "1.00", currency: "EUR" },
        hours: 720,
        machines: 0,
        volumes: 1,
        snapshots: 0,
      },
    ]);
    // 216 of December's 744 hours: €0.2903…
    expect(shown({ month: "2026-12" }).rows).toEqual([
      {
        key: ALICE.id,
        owner: ALICE.id,
        cost: { amount: "0.29", currency: "EUR" },
        hours: 216,
        machines: 0,
        volumes: 1,
        snapshots: 0,
      },
    ]);
  });

  it("split by the day each hour starts on", () => {
    // 360 GB at €1.00 per GB-month: €0.50 an hour in November.
    heldVolume(w, BOB.id, "2026-11-20T22:00:00Z", "2026-11-21T02:00:00Z", {
      sizeGb: 360,
      pricePerGbMonth: "1.0000000000000000",
    });
    expect(shown({ month: "2026-11", by: "day", user: BOB.id })).toMatchObject({
      total: { amount: "2.00", currency: "EUR" },
      rows: [
        {
          key: "2026-11-20",
          cost: { amount: "1.00", currency: "EUR" },
          hours: 2,
          machines: 0,
          volumes: 1,
          snapshots: 0,
        },
        {
          key: "2026-11-21",
          cost: { amount: "1.00", currency: "EUR" },
          hours: 2,
          machines: 0,
          volumes: 1,
          snapshots: 0,
        },
      ],
    });
  });

  it("are derived from their own rows: a delete recorded twice changes nothing", () => {
    const rowId = heldVolume(w, ALICE.id, "2026-11-10T10:00:00Z", "2026-11-13T09:30:00Z");
    const before = shown({ month: "2026-11" });
    w.clock.set(new Date("2026-11-20T00:00:00Z"));
    expect(w.deps.store.workVolumes.close(rowId, "deleted again", w.clock.now())).toBe(false);
    expect(shown({ month: "2026-11" })).toEqual(before);
    expect(before.total).toEqual({ amount: "0.10", currency: "EUR" });
  });

  it("take a snapshot's image size as Hetzner's float gives it", () => {
    // 0.1 + 0.2 GB is 0.30000000000000004 as a float: costed as 0.3 GB, €3.00 a month at €10.
    heldSnapshot(w, "ccc-saved3", BOB.id, "2026-11-01T00:00:00Z", "2026-11-11T00:00:00Z", {
      imageSizeGb: 0.1 + 0.2,
      pricePerGbMonth: "10.0000000000000000",
    });
    expect(shown({ month: "2026-11" }).rows).toEqual([
      {
        key: BOB.id,
        owner: BOB.id,
        cost: { amount: "1.00", currency: "EUR" },
        hours: 240,
        machines: 0,
        volumes: 0,
        snapshots: 1,
      },
    ]);
  });

  it("count in a budget's spent, and can tip a provision over it", async () => {
    w.deps.policy.budgets = { userMonthlyEur: "10.00", teamMonthlyEur: null };
    const DIME = { hourly: "0.1000000000000000", monthly: "100.0000000000000000" };
    ran(w, "2026-11-10T00:00:00Z", 97 * 60, { owner: ALICE.id, price: DIME });
    heldVolume(w, ALICE.id, "2026-11-20T00:00:00Z", "2026-11-23T00:00:00Z");
    w.clock.set(new Date(NOW.getTime() - HOUR));
    startBilled(w, { owner: ALICE.id, price: DIME, hours: 2 });
    w.clock.set(NOW);
    // €9.70 closed, €0.10 of the running machine so far, €0.10 of the volume.
    expect(standing(w.deps.store, NOW, ALICE.id).spent).toBe(990n * CENT);
    // Without the volume 4 hours of cx23 would fit (€9.92); with it they do not.
    const refused = await caught(() => provision(ALICE, 4));
    expect(refused).toMatchObject({
      code: "over_budget",
      message: "This would bring you to €10.02 of your €10.00 for November.",
    });
  });
});

function provision(actor: Actor, hours: number) {
  return requestMachine(w, actor, hours);
}
