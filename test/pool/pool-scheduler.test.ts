// The bot's scheduler keeps the pool full: a refill on the sweep's tick, and one asked for after a claim.
import { describe, expect, it } from "vitest";
import { startScheduler } from "../../src/lifecycle/scheduler.ts";
import type { TickSource } from "../../src/lifecycle/ticks.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { perTest } from "../helpers/per-test.ts";
import { startPoolWorld } from "./pool-world.ts";

const w = perTest(
  () => startPoolWorld({ CCC_POOL: "cx23@fsn1=1" }),
  () => {},
);

/** Ticks a test fires by hand, by task name. */
function manualTicks() {
  const ticks = new Map<string, () => void>();
  const source: TickSource = {
    validate: () => true,
    schedule: (_expression, tick, { name }) => {
      ticks.set(name ?? "", tick);
      return { stop: () => void ticks.delete(name ?? "") };
    },
  };
  return { source, fire: (name: string) => ticks.get(name)?.() };
}

const settings = {
  sweepCron: "* * * * *",
  reconcileCron: "0 0 1 1 *",
  remindMinutes: [60],
  orphanGraceMinutes: 15,
};

describe("the scheduler and the pool", () => {
  it("refills on the pool's tick and when a claim asks for it", async () => {
    const ticks = manualTicks();
    const scheduler = startScheduler(w.deps, settings, ticks.source);
    try {
      await scheduler.idle();
      expect(w.deps.store.pool.list()).toEqual([]);
      ticks.fire("ccc-pool");
      await waitForState(
        () => w.deps.store.pool.list()[0]?.state === "ready",
        20_000,
        "a ready pool machine",
      );
      // A claim took it: the claim's call for a refill installs the next one.
      const [member] = w.deps.store.pool.list();
      w.deps.store.pool.remove(member?.id ?? "");
      await w.deps.cloud.deleteServer(member?.hetznerServerId ?? 0);
      w.deps.refillPoolSoon?.();
      await waitForState(
        () => w.deps.store.pool.list().find((m) => m.id !== member?.id && m.state === "ready"),
        20_000,
        "a replacement",
      );
      expect(w.h.installer.calls()).toHaveLength(2);
    } finally {
      await scheduler.stop();
    }
  });
});
