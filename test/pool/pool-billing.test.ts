// Who pays for a warm pool machine's hours: the operator while it waits, the claimer from the claim.
import { describe, expect, it } from "vitest";
import { provision } from "../../src/commands/provision.ts";
import { poolOutcomeOf } from "../../src/core/pool/pool-outcome.ts";
import { refillPool } from "../../src/core/pool/refill.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { OffsetClock } from "../helpers/offset-clock.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { startPoolWorld } from "./pool-world.ts";

const HOUR = 3_600_000;
const POOL = "warm pool (idle)";

interface Row {
  key: string;
  cost: { amount: string; currency: "EUR" };
  hours: number;
  machines: number;
}

describe("a warm pool machine's bill", () => {
  it.skipIf(sshdMissingReason !== null)(
    "starts for its claimer at the claim; the hours it waited are the operator's line in usage",
    async () => {
      // The pool is filled six hours ago and claimed an hour ago, so `ccc usage` (on real time) sees both.
      const clock = new OffsetClock();
      clock.advance(-6 * HOUR);
      const world = await startPoolWorld({ CCC_POOL: "cx23@fsn1=1" }, { clock });
      try {
        await refillPool(world.deps);
        await world.bootMachines();
        clock.advance(5 * HOUR);
        const ready = await provision(
          { deps: world.deps, actor: { id: "U0ALICE", isAdmin: false } },
          { owner: "U0ALICE", sshKey: makeKeyPair().publicKey, serverType: "cx23", location: "fsn1" },
        );
        expect(poolOutcomeOf(ready)).toBe("hit");

        const shown = async (...args: string[]) => {
          const run = await runCcc(world.h, ["usage", ...args, "--json"]);
          expect(run.code).toBe(0);
          return (JSON.parse(run.stdout) as { rows: Row[] }).rows;
        };
        const byType = await shown("--by", "type");
        // The five hours it waited, on their own line; the claimer's machine from the claim: an hour or two.
        expect(byType.find((r) => r.key === POOL)).toMatchObject({ machines: 1 });
        expect(byType.find((r) => r.key === POOL)?.hours).toBeGreaterThanOrEqual(5);
        expect(byType.find((r) => r.key === "cx23")?.hours).toBeLessThanOrEqual(2);
        const byUser = await shown("--by", "user");
        expect(byUser.map((r) => r.key).sort()).toEqual([POOL, "U0ALICE"].sort());
        expect(byUser.find((r) => r.key === "U0ALICE")?.hours).toBeLessThanOrEqual(2);
        // Alice's own usage (and so her budget) holds none of the pool's hours.
        const mine = await shown("--user", "U0ALICE");
        expect(mine.map((r) => r.key)).toEqual(["U0ALICE"]);
        expect(mine[0]?.hours).toBeLessThanOrEqual(2);
        expect(text(await runCcc(world.h, ["usage", "--by", "type"]))).toContain(POOL);
      } finally {
        await world.close();
      }
    },
  );
});

describe("the warm pool and a budget", () => {
  it.skipIf(sshdMissingReason !== null)(
    "20 requests at once claim no more than the budget allows; the members given back keep waiting",
    async () => {
      const world = await startPoolWorld({ CCC_POOL: "cx23@fsn1=2", CCC_MAX_INSTANCES_PER_USER: "50" });
      try {
        await refillPool(world.deps);
        await world.bootMachines();
        // cx23 costs €0.0048741096 an hour: €0.01 is one machine for two hours.
        const now = world.deps.clock.now();
        world.deps.store.budgets.put({ user: "U0ALICE", eur: "0.01", setBy: "test", setAt: now });
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, () =>
            provision(
              { deps: world.deps, actor: { id: "U0ALICE", isAdmin: false } },
              {
                owner: "U0ALICE",
                sshKey: makeKeyPair().publicKey,
                hours: 2,
                serverType: "cx23",
                location: "fsn1",
              },
            ),
          ),
        );
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        const refused = results.filter((r) => r.status === "rejected").map((r) => String(r.reason));
        expect(refused.every((m) => m.includes("This would bring you to"))).toBe(true);
        expect(world.deps.store.list({ owner: "U0ALICE", includeEnded: true })).toHaveLength(1);
        // The other member was claimed and given back by refused requests: ready, and its wait still counts.
        const [left] = world.deps.store.pool.list();
        expect(left?.state).toBe("ready");
        const idle = world.deps.store.poolIdle.overlapping(new Date(0), new Date(Date.now() + HOUR));
        expect(idle.find((i) => i.memberId === left?.id)?.to).toBeNull();
      } finally {
        await world.close();
      }
    },
  );
});

function text(run: { code: number; stdout: string }): string {
  expect(run.code).toBe(0);
  return run.stdout;
}
