// Idle machines hibernate and wake, through a real sshd running the real ccc-apply --activity against
// planted activity: idle → warned → hibernated; activity after the warning keeps it; keep-awake (from
// ccc and on the machine); never with an SSH session or a task; failures are safe; the expiry is
// paused while asleep and runs again after a wake with the same id and host key.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hibernateCommand } from "../../src/commands/hibernate.ts";
import { keepAwakeCommand } from "../../src/commands/keep-awake.ts";
import { listCommand } from "../../src/commands/list.ts";
import { statusCommand } from "../../src/commands/status.ts";
import { usageCommand } from "../../src/commands/usage.ts";
import { wakeCommand } from "../../src/commands/wake.ts";
import { HIBERNATION_LABEL } from "../../src/core/hibernate/hibernate.ts";
import { runIdlePass } from "../../src/core/hibernate/idle-sweep.ts";
import type { Actor } from "../../src/core/instances/actor.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { type HibernateWorld, MINUTE, startHibernateWorld } from "./hibernate-world.ts";

const ALICE: Actor = { id: "U0ALICE", isAdmin: false };
const BOB: Actor = { id: "U0BOB", isAdmin: false };
let w: HibernateWorld;

beforeEach(async () => {
  w = await startHibernateWorld();
});
afterEach(async () => {
  await w.close();
});

const pass = () => runIdlePass(w.deps);
const kinds = async () => (await pass()).outcomes.map((o) => o.kind);
const images = () => w.h.cloud.images().filter((i) => i.type === "snapshot");

/** Idle from now on: the machine reaches its warning after 25 minutes and its hibernation after 30. */
async function idleUntilHibernated(id: string) {
  w.clock.advance(26 * MINUTE);
  expect(await kinds()).toEqual(["warned"]);
  w.clock.advance(5 * MINUTE);
  const summary = await pass();
  expect(summary.outcomes.map((o) => o.kind)).toEqual(["hibernate"]);
  const [outcome] = summary.outcomes;
  if (outcome?.kind !== "hibernate") throw new Error("not hibernated");
  expect(outcome.result.kind).toBe("hibernated");
  return w.deps.store.require(id);
}

describe.skipIf(sshdMissingReason !== null)("hibernation", () => {
  it("idle → warned → hibernated: saved with the hibernation label, server deleted, expiry paused", async () => {
    const m = await w.machine();
    expect(await kinds()).toEqual(["idle"]);
    expect(w.notes.notices).toEqual([]);
    // Only the read-only query reached the machine.
    const sshd = await w.sshd(m.ipv4 as string);
    expect(new Set(sshd?.sessions().map((s) => s.command))).toEqual(new Set(["ccc-apply --activity"]));

    w.clock.advance(26 * MINUTE);
    expect(await kinds()).toEqual(["warned"]);
    expect(w.notes.summary()).toEqual([`idle_warning ${m.id}`]);
    // Warned once, not at every pass.
    expect(await kinds()).toEqual(["idle"]);
    expect(w.notes.notices).toHaveLength(1);

    w.clock.advance(5 * MINUTE);
    const leftBefore = m.expiresAt.getTime() - w.clock.now().getTime();
    expect(await kinds()).toEqual(["hibernate"]);
    expect(w.notes.summary()).toEqual([`idle_warning ${m.id}`, `hibernated ${m.id}`]);
    expect(w.h.cloud.servers()).toEqual([]);
    expect(images().map((i) => i.labels[HIBERNATION_LABEL])).toEqual(["true"]);
    const sleep = w.deps.store.hibernation.current(m.id);
    expect(sleep?.state).toBe("asleep");
    expect(Math.abs((sleep?.remainingMs ?? 0) - leftBefore)).toBeLessThan(30_000);
    const hibernated = w.notes.notices.at(-1);
    expect(hibernated?.kind === "hibernated" && hibernated.remainingMs).toBeGreaterThan(3 * 60 * MINUTE);
    // list and status show it asleep, with the way back.
    const listed = await listCommand.execute({ deps: w.deps, actor: ALICE }, {});
    expect(listed.text({ now: w.clock.now(), actor: ALICE })).toContain(`${m.id} is hibernating since`);
    expect(JSON.stringify(listed.blocks({ now: w.clock.now(), actor: ALICE }))).toContain("ccc_wake");
    const status = await statusCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id });
    expect(status.text({ now: w.clock.now(), actor: ALICE })).toContain(
      `ssh does not answer: ccc wake ${m.id}`,
    );
    // The expiry sweep has nothing to delete, however long it sleeps (within the window).
    w.clock.advance(3 * 24 * 60 * MINUTE);
    expect(w.deps.store.dueForDelete(w.clock.now().getTime())).toEqual([]);
  });

  it("activity after the warning withdraws it: not hibernated, and the idle clock starts again", async () => {
    const m = await w.machine();
    w.clock.advance(26 * MINUTE);
    expect(await kinds()).toEqual(["warned"]);
    w.act.claude();
    w.clock.advance(5 * MINUTE);
    const summary = await pass();
    expect(summary.outcomes).toEqual([
      { id: m.id, kind: "active", reasons: ["claude running (1 process)"], warningWithdrawn: true },
    ]);
    expect(w.h.cloud.servers()).toHaveLength(1);
    expect(w.deps.store.hibernation.activity(m.id)?.warnedAt).toBeNull();
    w.act.idle();
    w.clock.advance(10 * MINUTE);
    expect(await kinds()).toEqual(["idle"]);
  });

  it.each([
    ["an SSH session", (x: HibernateWorld) => x.act.session(), "1 SSH session open"],
    ["an attached tmux client", (x: HibernateWorld) => x.act.tmux(), "1 tmux/screen client attached"],
    [
      "a ccc-task unit",
      (x: HibernateWorld) => x.act.task("ccc-task-42.service"),
      "task running (ccc-task-42.service)",
    ],
    ["a busy CPU", (x: HibernateWorld) => x.act.load(1.7), "CPU busy"],
    [
      "ccc-keep-awake on the machine",
      (x: HibernateWorld) => x.act.keepAwakeOnMachine(new Date(x.clock.now().getTime() + 5 * 60 * MINUTE)),
      "(ccc-keep-awake on the machine)",
    ],
  ])("%s counts as activity, with its reason recorded for status", async (_name, plantIt, reason) => {
    const m = await w.machine();
    plantIt(w);
    w.clock.advance(40 * MINUTE);
    const [outcome] = (await pass()).outcomes;
    expect(outcome?.kind).toBe("active");
    expect(w.deps.store.hibernation.activity(m.id)?.reasons.join("; ")).toContain(reason);
    expect(w.notes.notices).toEqual([]);
    // Each reason is shown in status, with the last active time.
    const shown = await statusCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id });
    const text = shown.text({ now: w.clock.now(), actor: ALICE });
    expect(text).toContain("idle:     last active");
    expect(text).toContain(`idle:     active because: `);
    expect(text).toContain(reason);
    expect(shown.json()).toMatchObject({ activeReasons: [expect.stringContaining(reason)] });
  });

  it("a keystroke on a terminal moves the last active time", async () => {
    const m = await w.machine();
    w.clock.advance(20 * MINUTE);
    const typed = new Date(w.clock.now().getTime() - 2 * MINUTE);
    w.act.typed(typed);
    const before = w.clock.now().getTime();
    await pass();
    const record = w.deps.store.hibernation.activity(m.id);
    // Active now (the pass's time): the keystroke is recent, so it counts as activity.
    expect(record?.lastActiveAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(record?.lastActiveAt.getTime()).toBeLessThanOrEqual(w.clock.now().getTime());
    expect(record?.reasons[0]).toMatch(/^typed on a terminal at/);
  });

  it("never hibernates with an SSH session open, not even when asked", async () => {
    const m = await w.machine();
    w.act.session();
    const shown = await hibernateCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id });
    expect(shown.failed).toBe(true);
    expect(shown.text({ now: w.clock.now(), actor: ALICE })).toBe(
      `${m.id} was not hibernated: 1 SSH session open.`,
    );
    expect(w.h.cloud.servers()).toHaveLength(1);
    expect(images()).toEqual([]);
  });

  it("keep-awake from ccc: one more idle period, or hours", async () => {
    const m = await w.machine();
    w.clock.advance(26 * MINUTE);
    expect(await kinds()).toEqual(["warned"]);
    const kept = await keepAwakeCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id });
    expect(kept.text({ now: w.clock.now(), actor: ALICE })).toBe(
      `${m.id} keeps running: it hibernates only after another 30 idle minutes.`,
    );
    w.clock.advance(6 * MINUTE);
    expect(await kinds()).toEqual(["idle"]);
    await keepAwakeCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id, hours: 3 });
    w.clock.advance(2 * 60 * MINUTE);
    const [outcome] = (await pass()).outcomes;
    expect(outcome?.kind === "active" && outcome.reasons[0]).toMatch(/\(ccc keep-awake\)$/);
    await expect(keepAwakeCommand.execute({ deps: w.deps, actor: BOB }, { id: m.id })).rejects.toThrow(
      /not yours/,
    );
  });

  it("wakes with the same id and host key, the owner's current key pushed, the paused lifetime restored", async () => {
    const m = await w.machine();
    const slept = await idleUntilHibernated(m.id);
    expect(slept.status).toBe("deleted");
    await w.serverGone(m.ipv4 as string);
    const remaining = w.deps.store.hibernation.current(m.id)?.remainingMs ?? 0;
    w.clock.advance(2 * 24 * 60 * MINUTE);
    w.notes.clear();

    const shown = await wakeCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id });
    const woken = w.deps.store.require(m.id);
    expect(woken).toMatchObject({ id: m.id, status: "ready", hostKey: w.hostKey.publicKey, owner: ALICE.id });
    expect(Math.abs(woken.expiresAt.getTime() - w.clock.now().getTime() - remaining)).toBeLessThan(10_000);
    expect(w.notes.summary()).toEqual([`woken ${m.id}`]);
    expect(shown.text({ now: w.clock.now(), actor: ALICE })).toContain(`ssh claude@${woken.ipv4}`);
    expect(w.deps.store.hibernation.latest(m.id)?.state).toBe("woken");
    // The image has served and is gone; the machine sleeps again later with a new one.
    expect(images()).toEqual([]);
    const sshd = await w.sshd(woken.ipv4 as string);
    expect(sshd?.sessions().map((s) => s.command)).toEqual(["ccc-apply"]);
    // The idle clock starts at the wake.
    expect(await kinds()).toEqual(["idle"]);
    // usage: the hours not run while asleep (capped at the lifetime it had left) × its price.
    const hourly = Number(w.deps.store.ledger.get(m.id)?.price.hourly);
    const used = await usageCommand.execute({ deps: w.deps, actor: ALICE }, {});
    const saved = (used.json() as { hibernationSaved: { hours: number; cost: { amount: string } } })
      .hibernationSaved;
    const monthStart = Date.UTC(w.clock.now().getUTCFullYear(), w.clock.now().getUTCMonth(), 1);
    if (slept.deletedAt && slept.deletedAt.getTime() >= monthStart) {
      expect(saved.hours).toBeCloseTo(remaining / 3_600_000, 0);
      expect(Number(saved.cost.amount)).toBeCloseTo((remaining / 3_600_000) * hourly, 1);
      expect(used.text({ now: w.clock.now(), actor: ALICE })).toContain(
        `hibernation saved ≈ ${Math.round(remaining / 360_000) / 10} machine-hours`,
      );
    }
  });

  it("a wake that fails keeps the snapshot, and a second wake works", async () => {
    const m = await w.machine();
    await idleUntilHibernated(m.id);
    await w.serverGone(m.ipv4 as string);
    w.h.cloud.failNext(
      { method: "POST", path: "/servers" },
      { status: 422, code: "resource_unavailable", message: "no capacity in fsn1" },
    );
    await expect(wakeCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id })).rejects.toThrow();
    expect(w.deps.store.hibernation.current(m.id)?.state).toBe("asleep");
    expect(w.deps.store.snapshots.get(m.id)?.status).toBe("available");
    expect(w.deps.store.require(m.id).status).toBe("deleted");
    expect(w.notes.summary().at(-1)).toBe(`wake_failed ${m.id}`);
    await wakeCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id });
    expect(w.deps.store.require(m.id).status).toBe("ready");
  });

  it("a snapshot that fails keeps the server running and tells the owner", async () => {
    const m = await w.machine();
    w.clock.advance(26 * MINUTE);
    await pass();
    w.h.cloud.failNextAction("create_image", { code: "image_failed", message: "no space" });
    w.clock.advance(5 * MINUTE);
    const [outcome] = (await pass()).outcomes;
    expect(outcome?.kind === "hibernate" && outcome.result.kind).toBe("failed");
    expect(w.notes.summary()).toEqual([`idle_warning ${m.id}`, `save_failed ${m.id}`]);
    expect(w.deps.store.require(m.id).status).toBe("ready");
    expect(w.h.cloud.servers()).toHaveLength(1);
    expect(w.deps.store.hibernation.current(m.id)).toBeNull();
  });

  it("only the owner or an admin wakes; a sleep past the window ends with the usual snapshot", async () => {
    const m = await w.machine();
    await idleUntilHibernated(m.id);
    await expect(wakeCommand.execute({ deps: w.deps, actor: BOB }, { id: m.id })).rejects.toThrow(
      /not yours/,
    );
    w.clock.advance(7 * 24 * 60 * MINUTE);
    const summary = await pass();
    expect(summary.ended).toEqual([m.id]);
    expect(w.notes.summary().at(-1)).toBe(`hibernation_ended ${m.id}`);
    await expect(wakeCommand.execute({ deps: w.deps, actor: ALICE }, { id: m.id })).rejects.toThrow(
      /restore/,
    );
    expect(w.deps.store.snapshots.get(m.id)?.status).toBe("available");
  });
});
