// The grace after a task (issue 22: "buttons Keep machine / Delete now"; "the machine is deleted when the
// task ends unless kept"): an unkept machine lives CCC_TASK_GRACE_MINUTES after the result, through the
// normal expiry (the Hetzner label and the store say the same deadline; the expiry sweep deletes it), so
// Keep and Delete now pressed after the end still mean something. Through the real CLI door on a pool
// machine (real sshd, the real ccc-apply), Claude Code played by the scripted channel; the sweep and the
// reminders run as the lifecycle loop runs them, with the clock moved past the grace.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runReconcile } from "../../src/core/lifecycle/reconcile.ts";
import { runReminders } from "../../src/core/lifecycle/reminders.ts";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import type { Clock } from "../../src/core/ports/clock.ts";
import type { Task } from "../../src/core/tasks/task.ts";
import { graceApplies } from "../../src/core/tasks/task-grace.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { startTaskWorld, type TaskWorld } from "./flow-world.ts";
import { ScriptedTaskChannel, stream } from "./scripted-task-channel.ts";

let world: TaskWorld | undefined;
let channel: ScriptedTaskChannel;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The real clock, `ms` ahead (timers stay real). */
const ahead = (ms: number): Clock => ({
  now: () => new Date(Date.now() + ms),
  sleep: (wait) => new Promise<void>((r) => setTimeout(r, wait)),
});

async function makeWorld(env: Record<string, string> = {}): Promise<TaskWorld> {
  world = await startTaskWorld({
    channel: ({ bare }) => {
      channel = new ScriptedTaskChannel((name) => bare(name));
      return channel;
    },
    env,
  });
  return world;
}

/** Runs one task to its end through `ccc task --wait`: a change (a pull request) or none. */
async function runToEnd(t: TaskWorld, change: boolean) {
  const machine = await t.warmMachine();
  const before = channel.starts.length;
  channel.commits = change ? [{ "src/login.ts": "export const wait = 2;\n" }] : [];
  const running = runCcc(t.w.h, ["task", "acme/app", "fix it", "--wait"], { compose: t.compose });
  const doc = await waitForState(() => channel.starts[before], 30_000, "the task to start");
  channel.emit(doc.taskId, stream.init(), stream.text("Done."), stream.result({ costUsd: 0.1, turns: 1 }));
  channel.exit(doc.taskId, 0);
  const done = await running;
  expect(done.code, done.stderr).toBe(0);
  const task = t.w.deps.store.tasks.get(doc.taskId);
  const instance = t.w.deps.store.get(task?.instanceId ?? "");
  if (!task?.finishedAt || !instance) throw new Error("the task did not end with a machine");
  return { id: doc.taskId, task, instance, done, root: machine.root };
}

/** The `ccc-expires-at` label of the machine's server at the Hetzner stand-in, in ms. */
function labelledMs(t: TaskWorld, instanceId: string): number {
  const server = t.w.h.cloud.servers().find((s) => s.name === instanceId);
  return Number(server?.labels["ccc-expires-at"]) * 1000;
}

/** The task's own `machine_deleted` lines, as `ccc tasks show` prints its events. */
function deletionLines(t: TaskWorld, taskId: string): string[] {
  return t.w.deps.store.tasks
    .events(taskId)
    .filter((row) => row.line === null && JSON.parse(row.body).step === "machine_deleted")
    .map((row) => JSON.parse(row.body).detail as string);
}

describe("which endings leave a grace", () => {
  it("a result does (a pull request, no change, a failure); a cancel, a budget stop or a lost machine does not", () => {
    const ended = (status: Task["status"], failureCode: Task["failureCode"] = null) =>
      graceApplies({ status, failureCode } as Task);
    expect(ended("succeeded")).toBe(true);
    expect(ended("no_change")).toBe(true);
    for (const code of [
      "turn_cap",
      "time_cap",
      "api_error",
      "push_refused",
      "pr_refused",
      "start_failed",
    ] as const) {
      expect(ended("failed", code)).toBe(true);
    }
    expect(ended("cancelled")).toBe(false);
    expect(ended("failed", "budget_exceeded")).toBe(false);
    expect(ended("failed", "machine_lost")).toBe(false);
    expect(ended("running")).toBe(false);
  });
});

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)("a task's grace", () => {
  it("Keep pressed after the end: the machine lives on for its hours from now, reminded as any machine", async () => {
    const t = await makeWorld();
    const { id, task, instance, done, root } = await runToEnd(t, true);
    const endedBy = Date.now();
    expect(task.status).toBe("succeeded");
    // In its grace: ready, deleted 10 minutes after the result, the label saying the same, the result saying so.
    // (Between the result and the CLI's answer, however long a loaded machine takes: bounds, not a guess.)
    expect(instance.status).toBe("ready");
    expect(instance.expiresAt.getTime()).toBeGreaterThanOrEqual(
      (task.finishedAt?.getTime() ?? 0) + 10 * MINUTE - 1_000,
    );
    expect(instance.expiresAt.getTime()).toBeLessThanOrEqual(endedBy + 10 * MINUTE);
    expect(labelledMs(t, instance.id)).toBe(instance.expiresAt.getTime());
    expect(done.stdout).toContain(`This machine (${instance.id}) is deleted at `);
    // No reminder for a grace that short (the defaults remind 60 and 15 minutes before).
    for (const minutes of [1, 5, 9]) {
      const { reminders } = await runReminders({ ...t.w.deps, clock: ahead(minutes * MINUTE) }, [60, 15]);
      expect(reminders).toEqual([]);
    }

    const keptFrom = Date.now();
    const kept = await runCcc(t.w.h, ["tasks", "keep", id], { compose: t.compose });
    const keptBy = Date.now();
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toContain(`${id}'s machine ${instance.id} is kept`);
    const after = t.w.deps.store.get(instance.id);
    const hours = instance.requestedHours ?? t.w.deps.policy.defaultHours;
    // Its hours from the moment Keep was pressed (the machine is told over SSH after, which may take a while).
    expect(after?.expiresAt.getTime()).toBeGreaterThanOrEqual(keptFrom + hours * HOUR - 1_000);
    expect(after?.expiresAt.getTime()).toBeLessThanOrEqual(keptBy + hours * HOUR);
    expect(labelledMs(t, instance.id)).toBe(after?.expiresAt.getTime());
    // The machine itself is told, as after an extend (`ccc-time-left` there reads it).
    const onMachine = JSON.parse(readFileSync(join(root, "var/lib/cloud-instance/state.json"), "utf8"));
    expect(Date.parse(onMachine.expiresAt)).toBe(after?.expiresAt.getTime());
    expect(t.w.deps.store.tasks.get(id)?.keep).toBe(true);
    const shown = await runCcc(t.w.h, ["tasks", "show", id], { compose: t.compose });
    expect(shown.stdout).toContain(`Machine: ${instance.id} (kept)`);
    expect(shown.stdout).not.toContain("unless you keep it");

    // Past the grace the sweep leaves it; before its new deadline the owner is reminded as usual.
    await runSweep({ ...t.w.deps, clock: ahead(11 * MINUTE) });
    expect(t.w.deps.store.get(instance.id)?.status).toBe("ready");
    const toReminder = (after?.expiresAt.getTime() ?? 0) - 14 * MINUTE - Date.now();
    const { reminders } = await runReminders({ ...t.w.deps, clock: ahead(toReminder) }, [60, 15]);
    expect(reminders.map((r) => [r.instance.id, r.offsetMinutes])).toEqual([[instance.id, 15]]);

    // Delete now on a kept machine after the end: deleted at once.
    const deleted = await runCcc(t.w.h, ["tasks", "delete", id], { compose: t.compose });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(t.w.deps.store.get(instance.id)?.status).toBe("deleted");
    expect(t.w.h.strayServers()).toEqual([]);
  }, 120_000);

  it("not kept: the expiry sweep deletes it once the grace is over; Keep and Delete now then say it is gone", async () => {
    const t = await makeWorld();
    const { id, task, instance } = await runToEnd(t, false);
    expect(task.status).toBe("no_change");
    const shown = await runCcc(t.w.h, ["tasks", "show", id, "--json"], { compose: t.compose });
    expect(JSON.parse(shown.stdout)).toMatchObject({ machineDeletesAt: instance.expiresAt.toISOString() });

    await runSweep({ ...t.w.deps, clock: ahead(8 * MINUTE) });
    expect(t.w.deps.store.get(instance.id)?.status).toBe("ready");
    expect(deletionLines(t, id)).toEqual([]);
    await runSweep({ ...t.w.deps, clock: ahead(11 * MINUTE) });
    expect(t.w.deps.store.get(instance.id)?.status).toBe("deleted");
    expect(t.w.h.strayServers()).toEqual([]);
    // The task's own events say the grace's end deleted it, once (a second sweep adds nothing).
    await runSweep({ ...t.w.deps, clock: ahead(12 * MINUTE) });
    expect(deletionLines(t, id)).toEqual([`${instance.id} deleted: the grace after the task ended`]);
    const after = await runCcc(t.w.h, ["tasks", "show", id], { compose: t.compose });
    expect(after.stdout).toContain(`machine_deleted: ${instance.id} deleted: the grace after the task ended`);
    const api = await runCcc(t.w.h, ["tasks", "show", id, "--json"], { compose: t.compose });
    const shownEvents = JSON.parse(api.stdout).events as { source: string; shown: { step: string }[] }[];
    expect(shownEvents.filter((e) => e.shown.some((s) => s.step === "machine_deleted"))).toHaveLength(1);

    const keep = await runCcc(t.w.h, ["tasks", "keep", id], { compose: t.compose });
    expect(keep.code).not.toBe(0);
    expect(keep.stderr + keep.stdout).toContain(`${id}'s machine is gone already; nothing to keep.`);
    const del = await runCcc(t.w.h, ["tasks", "delete", id], { compose: t.compose });
    expect(del.code).not.toBe(0);
    expect(del.stderr + del.stdout).toContain(`${id}'s machine is gone already; nothing to delete.`);
    expect(t.w.deps.store.tasks.get(id)?.keep).toBe(false);
  }, 120_000);

  it("Delete now in the grace deletes at once; whoever deletes an ended task's machine is in its events once; CCC_TASK_GRACE_MINUTES=0 deletes at the end", async () => {
    const t = await makeWorld();
    const { id, instance } = await runToEnd(t, false);
    expect(instance.status).toBe("ready");
    const del = await runCcc(t.w.h, ["tasks", "delete", id], { compose: t.compose });
    expect(del.code, del.stderr).toBe(0);
    expect(t.w.deps.store.get(instance.id)?.status).toBe("deleted");
    expect(t.w.h.strayServers()).toEqual([]);
    // Who pressed Delete now is in the task's events, once; the sweep after it adds nothing.
    const who = t.w.deps.store.tasks.get(id)?.owner;
    await runSweep({ ...t.w.deps, clock: ahead(11 * MINUTE) });
    expect(deletionLines(t, id)).toEqual([`${instance.id} deleted by ${who}`]);

    // The machine deleted as any machine (`ccc deprovision`) after the task ended: the same line, once.
    const other = await runToEnd(t, true);
    const gone = await runCcc(t.w.h, ["deprovision", other.instance.id], { compose: t.compose });
    expect(gone.code, gone.stderr).toBe(0);
    expect(deletionLines(t, other.id)).toEqual([`${other.instance.id} deleted by ${who}`]);
    expect(deletionLines(t, id)).toHaveLength(1);

    // Its server deleted in the Hetzner console: the reconciler closes the machine, and the task says so.
    const ghost = await runToEnd(t, false);
    const serverId = ghost.instance.hetznerServerId ?? 0;
    await t.w.deps.cloud.deleteServer(serverId);
    t.w.h.cloud.settle("delete_server");
    await runReconcile(t.w.deps, { graceMinutes: 15 });
    expect(t.w.deps.store.get(ghost.instance.id)?.status).toBe("deleted");
    expect(deletionLines(t, ghost.id)).toEqual([
      `${ghost.instance.id} deleted: server ${serverId} no longer exists at Hetzner`,
    ]);
    await world?.close();

    const none = await makeWorld({ CCC_TASK_GRACE_MINUTES: "0" });
    const ended = await runToEnd(none, false);
    expect(none.w.deps.store.get(ended.instance.id)?.status).toBe("deleted");
    expect(ended.done.stdout).not.toContain("unless you keep it");
    expect(none.w.h.strayServers()).toEqual([]);
    expect(deletionLines(none, ended.id)).toEqual([`${ended.instance.id} deleted: task ${ended.id} ended`]);
  }, 120_000);
});
