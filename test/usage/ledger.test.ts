import { describe, expect, it } from "vitest";
import { usage, usageCsv, usageJson, usageText } from "../../src/commands/usage.ts";
import { ADMIN, ALICE, BOB } from "../commands/fixtures.ts";
import { useStoreWorld } from "../commands/use-store-world.ts";
import { endBilled, HOUR, ran, startBilled, TEN_CENTS } from "./billed.ts";

const w = useStoreWorld();

function eurFor(month: string, user?: string) {
  type Money = { amount: string; currency: "EUR" };
  const shown = usageJson(usage(w.ctx(ADMIN), { month, ...(user ? { user } : { all: true }) })) as {
    total: Money;
    rows: { key: string; cost: Money; hours: number; machines: number; volumes: number; snapshots: number }[];
  };
  // The figures in euros; the shape itself is test/money-json.test.ts's.
  const amount = (m: Money) => (m.currency === "EUR" ? m.amount : `${m.amount} ${m.currency}`);
  return {
    total: amount(shown.total),
    rows: shown.rows.map(({ cost, ...r }) => ({ ...r, eur: amount(cost) })),
  };
}

describe("the ledger", () => {
  it("bills every started hour: a machine deleted a minute into its second hour costs two", () => {
    ran(w, "2026-11-10T10:00:00Z", 61, { owner: ALICE.id });
    ran(w, "2026-11-10T12:00:00Z", 59, { owner: BOB.id });
    expect(eurFor("2026-11").rows).toEqual([
      { key: ALICE.id, owner: ALICE.id, eur: "0.20", hours: 2, machines: 1, volumes: 0, snapshots: 0 },
      { key: BOB.id, owner: BOB.id, eur: "0.10", hours: 1, machines: 1, volumes: 0, snapshots: 0 },
    ]);
    expect(eurFor("2026-11").total).toBe("0.30");
  });

  it("files each hour under the month it starts in, and caps each month on its own", () => {
    // 22:30 and 23:30 on 30 November, 00:30 on 1 December.
    ran(w, "2026-11-30T22:30:00Z", 160, { owner: ALICE.id });
    expect(eurFor("2026-11").total).toBe("0.20");
    expect(eurFor("2026-12").rows).toEqual([
      { key: ALICE.id, owner: ALICE.id, eur: "0.10", hours: 1, machines: 1, volumes: 0, snapshots: 0 },
    ]);
    // From 1 November to 3 December: 720 hours in November (€72 at the hourly price) cap at €5.00;
    // December's 48 hours start again from zero.
    ran(w, "2026-11-01T00:00:00Z", (720 + 48) * 60, { owner: BOB.id });
    expect(eurFor("2026-11", BOB.id).total).toBe("5.00");
    expect(eurFor("2026-12", BOB.id).rows).toEqual([
      { key: BOB.id, owner: BOB.id, eur: "4.80", hours: 48, machines: 1, volumes: 0, snapshots: 0 },
    ]);
  });

  it("keeps the price a machine was created with when prices change later", () => {
    ran(w, "2026-11-02T08:00:00Z", 180, { owner: ALICE.id, price: TEN_CENTS });
    ran(w, "2026-11-03T08:00:00Z", 180, {
      owner: ALICE.id,
      price: { hourly: "0.2000000000000000", monthly: "9.0000000000000000" },
    });
    expect(eurFor("2026-11").total).toBe("0.90");
  });

  it("counts a running machine up to now, and a failed provision without a server as nothing", () => {
    w.clock.set(new Date("2026-11-25T09:00:00Z"));
    const running = startBilled(w, { owner: ALICE.id, hours: 8 });
    w.clock.advance(2.5 * HOUR);
    expect(eurFor("2026-11").rows).toEqual([
      { key: ALICE.id, owner: ALICE.id, eur: "0.30", hours: 3, machines: 1, volumes: 0, snapshots: 0 },
    ]);
    const failed = w.plant(ALICE.id);
    w.deps.store.update(failed.id, { status: "failed" }, { actor: "ccc", kind: "failed" });
    expect(eurFor("2026-11").total).toBe("0.30");
    expect(w.deps.store.ledger.get(running.id)?.endedAt).toBeNull();
  });

  it("is derived once per machine: an end recorded twice (a retried delete) does not bill twice", () => {
    const one = ran(w, "2026-11-05T10:00:00Z", 90, { owner: ALICE.id });
    w.clock.advance(5 * HOUR);
    endBilled(w, one.id);
    w.deps.store.recordEvent(one.id, { actor: "ccc", kind: "deleted", detail: "reconcile" });
    expect(eurFor("2026-11").total).toBe("0.20");
    expect(w.deps.store.ledger.get(one.id)?.endedAt?.toISOString()).toBe("2026-11-05T11:30:00.000Z");
  });

  it("groups by type, location and day, and writes CSV a spreadsheet reads", () => {
    ran(w, "2026-11-01T23:00:00Z", 120, { owner: ALICE.id, serverType: "cx23", location: "fsn1" });
    ran(w, "2026-11-02T10:00:00Z", 60, { owner: BOB.id, serverType: "cax11", location: "hel1" });
    const admin = w.ctx(ADMIN);
    const byType = usage(admin, { month: "2026-11", by: "type", all: true });
    expect(usageJson(byType)).toEqual({
      month: "2026-11",
      total: { amount: "0.30", currency: "EUR" },
      rows: [
        {
          key: "cx23",
          cost: { amount: "0.20", currency: "EUR" },
          hours: 2,
          machines: 1,
          volumes: 0,
          snapshots: 0,
        },
        {
          key: "cax11",
          cost: { amount: "0.10", currency: "EUR" },
          hours: 1,
          machines: 1,
          volumes: 0,
          snapshots: 0,
        },
      ],
    });
    const byDay = usage(admin, { month: "2026-11", by: "day", all: true, csv: true });
    expect(usageCsv(byDay)).toBe(
      [
        "day,eur,hours,machines,volumes,snapshots",
        "2026-11-01,0.10,1,1,0,0",
        "2026-11-02,0.20,2,2,0,0",
        "total,0.30,3,2,0,0",
      ].join("\n"),
    );
    expect(usageText(byDay)).toBe(usageCsv(byDay));
    const byLocation = usage(admin, { month: "2026-11", by: "location", all: true });
    expect(usageText(byLocation)).toBe(
      [
        "Usage of everyone in 2026-11, by location (EUR, gross):",
        "  fsn1   €0.20  2 h   1 machine",
        "  hel1   €0.10  1 h   1 machine",
        "  total  €0.30  3 h  2 machines",
      ].join("\n"),
    );
  });
});
