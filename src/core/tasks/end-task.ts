import type { CoreDeps } from "../deps.ts";
import { ForbiddenError, NotFoundError, UserError } from "../errors.ts";
import { type Actor, ownsOrAdmin, SYSTEM_ACTOR } from "../instances/actor.ts";
import { deprovision } from "../instances/deprovision.ts";
import { isLive } from "../instances/instance.ts";
import { machineTarget } from "../ports/machine.ts";
import type { TaskChannel } from "../ports/task-machine.ts";
import { saveUnderLease } from "../snapshots/save.ts";
import { isTaskActive, type Task } from "./task.ts";
import { recordCccEvent, type TaskListener } from "./task-events.ts";
import { endGrace, graceApplies, startGrace } from "./task-grace.ts";

// The end of a task and what people may do about one: cancel it, keep its machine, delete it now.

export function taskChannelOf(deps: Pick<CoreDeps, "taskChannel">): TaskChannel {
  if (!deps.taskChannel) throw new Error("this ccc has no task channel (CoreDeps.taskChannel)");
  return deps.taskChannel;
}

/** The task, if the actor may act on it (its owner, or an admin). */
export function taskFor(deps: Pick<CoreDeps, "store">, actor: Actor, id: string, action: string): Task {
  const task = deps.store.tasks.get(id.trim().toLowerCase());
  if (!task) throw new NotFoundError(`There is no task ${id}.`);
  if (!ownsOrAdmin(actor, task.owner)) {
    throw new ForbiddenError(`${task.id} is not yours, so you cannot ${action} it.`);
  }
  return task;
}

/**
 * After a task ended: its machine is deleted, unless it is kept (then it expires as any machine does),
 * or saved first when the owner's preferences say so. A result (not a cancel, a budget stop or a lost
 * machine) leaves it a grace of CCC_TASK_GRACE_MINUTES first: its deadline moves to the grace's end and
 * the expiry sweep deletes it then, unless Keep is pressed meanwhile. A machine already gone is left as it is.
 */
export async function endTask(
  deps: CoreDeps,
  task: Task,
  onProgress: TaskListener = () => {},
  /** `grace: false`: delete (or save) at once, as Delete now does; `by`: who asked for that. */
  options: { grace?: boolean; by?: Actor } = {},
): Promise<Task> {
  const elapsed = () => deps.clock.now().getTime() - task.createdAt.getTime();
  const instance = task.instanceId ? deps.store.get(task.instanceId) : null;
  const current = deps.store.tasks.get(task.id) ?? task;
  if (!instance || !isLive(instance.status) || instance.status === "deleting") return current;
  if (current.keep) {
    onProgress({ taskId: task.id, step: "kept", elapsedMs: elapsed(), detail: `${instance.id} is kept` });
    return current;
  }
  // Another task runs on it (a reply started there meanwhile): it ends with that one.
  if (deps.store.tasks.ofInstance(instance.id).some((t) => t.id !== task.id && isTaskActive(t.status))) {
    return current;
  }
  const grace = deps.tasks.graceMinutes;
  if (
    options.grace !== false &&
    grace > 0 &&
    graceApplies(current) &&
    !deps.store.prefs.get(task.owner).saveOnExpiry
  ) {
    try {
      // Null when the deadline was sooner already, or another change of it won: then that one stands.
      const graced = await startGrace(deps, current, instance, grace);
      const until = (graced ?? deps.store.get(instance.id) ?? instance).expiresAt;
      recordCccEvent(deps, task.id, {
        step: "machine_grace",
        detail: `${instance.id} deleted at ${until.toISOString()} unless kept`,
      });
      onProgress({
        taskId: task.id,
        step: "machine_grace",
        elapsedMs: elapsed(),
        detail: `${instance.id} until ${until.toISOString()}`,
      });
      return deps.store.tasks.get(task.id) ?? current;
    } catch (error) {
      // Its deadline stays as it was; the machine is deleted now rather than left to that.
      deps.log.warn("task machine grace not set", {
        task: task.id,
        instance: instance.id,
        reason: String(error),
      });
    }
  }
  try {
    if (deps.store.prefs.get(task.owner).saveOnExpiry) {
      const by = options.by ?? SYSTEM_ACTOR;
      await saveUnderLease(deps, by, instance, `task ${task.id} ended, saved first`);
      recordCccEvent(deps, task.id, {
        step: "machine_saved",
        detail: `${instance.id} saved before it was deleted`,
      });
    } else {
      // The deletion's own event on the task is deprovision's (noteTaskMachineDeleted), as for any delete.
      await deprovision(deps, options.by ?? SYSTEM_ACTOR, instance.id, `task ${task.id} ended`);
    }
    onProgress({ taskId: task.id, step: "machine_deleted", elapsedMs: elapsed(), detail: instance.id });
  } catch (error) {
    // The expiry sweep deletes it at its deadline all the same.
    deps.log.warn("task machine not deleted", {
      task: task.id,
      instance: instance.id,
      reason: String(error),
    });
  }
  return deps.store.tasks.get(task.id) ?? current;
}

/** Stops a running task (the unit on the machine is stopped) and deletes its machine unless kept. */
export async function cancelTask(
  deps: CoreDeps,
  actor: Actor,
  id: string,
): Promise<{ task: Task; changed: boolean }> {
  const task = taskFor(deps, actor, id, "cancel");
  if (!isTaskActive(task.status)) return { task, changed: false };
  return { task: await stopTask(deps, task, "cancelled", null, `Cancelled by ${actor.id}.`), changed: true };
}

/**
 * Ends a task that is still going, with `status` and a reason: the status first (so whoever follows it
 * stops), then the unit, then the machine. Used by cancel, the caps and the budget.
 */
export async function stopTask(
  deps: CoreDeps,
  task: Task,
  status: "cancelled" | "failed",
  failureCode: Task["failureCode"],
  failure: string,
): Promise<Task> {
  const won = deps.store.tasks.finish(task.id, { status, failureCode, failure }, deps.clock.now());
  if (!won) return deps.store.tasks.get(task.id) ?? task;
  recordCccEvent(deps, task.id, { step: status, detail: failure });
  const instance = task.instanceId ? deps.store.get(task.instanceId) : null;
  if (instance && isLive(instance.status) && instance.ipv4 && instance.hostKey && deps.taskChannel) {
    const stopped = await deps.taskChannel.cancel(machineTarget(instance, deps.timing.sshPort), task.id);
    if (stopped.kind !== "ok") {
      deps.log.warn("task unit not stopped", { task: task.id, reason: stopped.detail || stopped.message });
    }
  }
  return endTask(deps, deps.store.tasks.get(task.id) ?? task);
}

/** Keeps the task's machine after the task (normal expiry and reminders apply). */
export async function keepTaskMachine(deps: CoreDeps, actor: Actor, id: string): Promise<Task> {
  const task = taskFor(deps, actor, id, "keep");
  const instance = task.instanceId ? deps.store.get(task.instanceId) : null;
  if (!instance || !isLive(instance.status) || instance.status === "deleting") {
    throw new UserError(`${task.id}'s machine is gone already; nothing to keep.`, { code: "machine_gone" });
  }
  // After the end, in the grace: the machine gets its hours again from now (reminders as usual).
  if (!isTaskActive(task.status) && !task.keep) await endGrace(deps, actor.id, task, instance);
  deps.store.tasks.update(task.id, { keep: true }, deps.clock.now());
  recordCccEvent(deps, task.id, { step: "kept", detail: `${instance.id} kept by ${actor.id}` });
  return deps.store.tasks.get(task.id) ?? task;
}

/** Deletes the task's machine now (stopping the task first when it still runs). */
export async function deleteTaskMachine(deps: CoreDeps, actor: Actor, id: string): Promise<Task> {
  const task = taskFor(deps, actor, id, "delete");
  if (isTaskActive(task.status)) {
    return stopTask(deps, task, "cancelled", null, `Cancelled by ${actor.id}: the machine was deleted.`);
  }
  const instance = task.instanceId ? deps.store.get(task.instanceId) : null;
  if (!instance || !isLive(instance.status) || instance.status === "deleting") {
    throw new UserError(`${task.id}'s machine is gone already; nothing to delete.`, { code: "machine_gone" });
  }
  deps.store.tasks.update(task.id, { keep: false }, deps.clock.now());
  return endTask(deps, { ...task, keep: false }, () => {}, { grace: false, by: actor });
}
