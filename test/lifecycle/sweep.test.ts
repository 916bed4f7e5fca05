import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import { deletes, MINUTE, plant, startWorld, type World } from "./world.ts";

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  expect(w.h.strayServers(w.deps)).toEqual([]);
  await w.close();
});

describe("expiry sweep", () => {
  it("deletes a machine at its expiry minute, not before, and tells the owner", async () => {
    const t0 = w.clock.now().getTime();
    const { instance, server } = await plant(w.deps, { minutes: 60 });

    w.clock.set(t0 + 60 * MINUTE - 1);
    expect((await runSweep(w.deps)).outcomes).toEqual([]);
    expect(w.h.cloud.servers()).toHaveLength(1);

    w.clock.set(t0 + 60 * MINUTE);
    const { outcomes } = await runSweep(w.deps);
    expect(outcomes.map((o) => [o.instance.id, o.instance.status, o.error])).toEqual([
      [instance.id, "deleted", null],
    ]);
    expect(deletes(w.h)).toEqual([server?.id]);
    expect(w.h.cloud.servers()).toEqual([]);
    expect(w.notes.summary()).toEqual([`expired ${instance.id}`]);

    // Nothing left to do: a second sweep neither calls Hetzner nor tells anyone again.
    await runSweep(w.deps);
    expect(deletes(w.h)).toHaveLength(1);
    expect(w.notes.notices).toHaveLength(1);
  });

  it("retries a delete that fails twice with backoff, and marks it deleted only when Hetzner confirms", async () => {
    const t0 = w.clock.now().getTime();
    const { instance, server } = await plant(w.deps, { minutes: 30 });
    w.h.cloud.failNext({ method: "DELETE" }, { status: 500, code: "server_error", message: "boom" }, 2);

    w.clock.set(t0 + 30 * MINUTE);
    const first = await runSweep(w.deps);
    expect(first.outcomes[0]?.error).toContain("boom");
    expect(first.outcomes[0]?.retryAt?.getTime()).toBe(t0 + 31 * MINUTE);
    expect(w.deps.store.require(instance.id).status).toBe("deleting");

    // Not due again before its retry time: no request at all.
    w.clock.set(t0 + 30 * MINUTE + 30_000);
    expect((await runSweep(w.deps)).outcomes).toEqual([]);
    expect(deletes(w.h)).toHaveLength(1);

    w.clock.set(t0 + 31 * MINUTE);
    const second = await runSweep(w.deps);
    expect(second.outcomes[0]?.retryAt?.getTime()).toBe(t0 + 33 * MINUTE);

    w.clock.set(t0 + 32 * MINUTE);
    expect((await runSweep(w.deps)).outcomes).toEqual([]);

    w.clock.set(t0 + 33 * MINUTE);
    const third = await runSweep(w.deps);
    expect(third.outcomes.map((o) => [o.instance.status, o.error])).toEqual([["deleted", null]]);
    expect(deletes(w.h)).toEqual([server?.id, server?.id, server?.id]);
    expect(w.h.cloud.servers()).toEqual([]);
    expect(w.deps.store.events(instance.id).map((e) => e.kind)).toEqual([
      "requested",
      "ready",
      "deleting",
      "delete_failed",
      "delete_failed",
      "deleted",
    ]);
    // The owner hears once, when it is really gone.
    expect(w.notes.summary()).toEqual([`expired ${instance.id}`]);
  });

  it("counts a 404 as deleted", async () => {
    const t0 = w.clock.now().getTime();
    const { instance, server } = await plant(w.deps, { minutes: 5 });
    await w.deps.cloud.deleteServer(server?.id ?? 0);
    w.h.cloud.settle("delete_server");
    w.clock.set(t0 + 5 * MINUTE);
    const { outcomes } = await runSweep(w.deps);
    expect(outcomes.map((o) => [o.instance.id, o.instance.status, o.error])).toEqual([
      [instance.id, "deleted", null],
    ]);
  });

  it("keeps going past one broken instance and alerts the admins after repeated failures", async () => {
    const t0 = w.clock.now().getTime();
    const broken = await plant(w.deps, { minutes: 10 });
    const fine = await plant(w.deps, { minutes: 20 });
    const path = `/servers/${broken.server?.id}`;
    w.h.cloud.failNext({ method: "DELETE", path }, { status: 500, code: "server_error" }, 3);

    w.clock.set(t0 + 20 * MINUTE);
    const { outcomes } = await runSweep(w.deps);
    expect(outcomes.map((o) => [o.instance.id, o.error === null])).toEqual([
      [broken.instance.id, false],
      [fine.instance.id, true],
    ]);
    expect(w.h.cloud.servers().map((s) => s.id)).toEqual([broken.server?.id]);

    w.clock.set(t0 + 21 * MINUTE);
    await runSweep(w.deps);
    w.clock.set(t0 + 23 * MINUTE);
    await runSweep(w.deps);
    expect(w.notes.summary()).toEqual([`expired ${fine.instance.id}`, "admin_alert"]);
    const alert = w.notes.notices[1];
    expect(alert?.kind === "admin_alert" && alert.text).toContain(`Deleting ${broken.instance.id}`);

    w.clock.set(t0 + 27 * MINUTE);
    await runSweep(w.deps);
    expect(w.deps.store.require(broken.instance.id).status).toBe("deleted");
    expect(w.h.cloud.servers()).toEqual([]);
  });
});
