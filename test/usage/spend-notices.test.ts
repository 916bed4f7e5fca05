import { describe, expect, it } from "vitest";
import { noticeMessage } from "../../src/adapters/slack/slack-notifier.ts";
import { deprovisionCommand } from "../../src/commands/deprovision.ts";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import { spendSummary } from "../../src/core/usage/spend-summary.ts";
import { spendBlocks } from "../../src/render/block-kit/spend-blocks.ts";
import { ADMIN, ALICE, BOB, startStoreWorld } from "../commands/fixtures.ts";
import { moneyProblems } from "../helpers/money-shape.ts";
import { perTest } from "../helpers/per-test.ts";
import { HOUR, ran, startBilled } from "./billed.ts";

// The fake Hetzner answers the deletes (the machines have no server there: nothing to delete).
const w = perTest(
  () => startStoreWorld({ fakeHetzner: true }),
  () => {},
);

describe("what admins and owners are told about spend", () => {
  it("the admin App Home shows this month's total, the top spenders and last month", () => {
    ran(w, "2026-10-20T10:00:00Z", 600, { owner: BOB.id });
    ran(w, "2026-11-03T10:00:00Z", 180, { owner: ALICE.id });
    ran(w, "2026-11-04T10:00:00Z", 60, { owner: BOB.id });
    ran(w, "2026-11-05T10:00:00Z", 60, { owner: "opal" });
    w.clock.set(new Date("2026-11-25T12:00:00Z"));
    const spend = spendSummary(w.deps.store, w.clock.now());
    expect(spend).toMatchObject({
      cents: 50,
      top: [
        { user: ALICE.id, cents: 30 },
        { user: BOB.id, cents: 10 },
        { user: "opal", cents: 10 },
      ],
      lastMonth: { cents: 100 },
    });
    const shown = JSON.stringify(spendBlocks(spend, w.clock.now()));
    expect(shown).toContain("Spend in November (admin)");
    expect(shown).toContain("*€0.50* so far · October: €1.00 (−€0.50 so far)");
    expect(shown).toContain(`1. <@${ALICE.id}> €0.30\\n2. <@${BOB.id}> €0.10\\n3. opal €0.10`);
  });

  it("the DM after an expiry, and the answer to a delete, say what the machine cost", async () => {
    w.clock.set(new Date("2026-11-25T09:00:00Z"));
    const expiring = startBilled(w, { owner: ALICE.id, hours: 2 });
    const deleting = startBilled(w, { owner: ALICE.id, hours: 8 });
    w.clock.advance(2 * HOUR + 30_000);
    await runSweep(w.deps);
    const [notice] = w.notes.notices;
    expect(notice).toMatchObject({ kind: "expired", cost: { cents: 30, hours: 3 } });
    if (notice?.kind !== "expired") throw new Error("expected the expiry DM");
    expect(noticeMessage(notice, w.clock.now()).text).toBe(
      `${expiring.id} reached its expiry and was deleted; nothing keeps running. It cost €0.30 (3 hours started).`,
    );
    const shown = await deprovisionCommand.execute(w.ctx(ADMIN), { id: deleting.id });
    expect(shown.text({ now: w.clock.now(), actor: ADMIN })).toBe(
      `${deleting.id} deleted; its server is gone. It cost €0.30 (3 hours started).`,
    );
    expect(shown.json()).toMatchObject({ cost: { amount: "0.30", currency: "EUR" }, hoursBilled: 3 });
    expect(moneyProblems(shown.json())).toEqual([]);
  });
});
