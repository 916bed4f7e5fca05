import { checkBudget } from "../budget/check-budget.ts";
import type { BudgetChange } from "../budget/standing.ts";
import { serverLabels } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import { syncExpiryLabel } from "../instances/expiry-label.ts";
import { type Instance, isLive } from "../instances/instance.ts";
import { expiryFrom } from "../instances/policy.ts";
import { pushMachineState } from "../machine/push-state.ts";
import { isTaskActive, type Task } from "./task.ts";

// The grace after a task (issue 22): an unkept machine is not deleted the moment its task ends but
// a few minutes later (CCC_TASK_GRACE_MINUTES), through the normal expiry (the label and the store say
// the same deadline; the lifecycle sweep deletes it), so Keep machine / Delete now under the result
// still mean something. Keep in the grace gives the machine its hours again, from now.

const HOUR_MS = 3_600_000;

/** Event kind of the deadline the grace sets (the reminders count it as a deadline set, so none is due at once). */
export const GRACE_EVENT = "task_grace";

/**
 * Whether a task that ended this way leaves its machine a grace: a result (a pull request, no change,
 * a failure the person may want to look into). Not a cancel, a budget stop, or a machine already lost.
 */
export function graceApplies(task: Task): boolean {
  if (task.status === "succeeded" || task.status === "no_change") return true;
  if (task.status !== "failed") return false;
  return task.failureCode !== "machine_lost" && task.failureCode !== "budget_exceeded";
}

/**
 * Moves the machine's deadline to the end of the grace (never later than it was): the server's label
 * first, so it is never behind the store, then the store by compare-and-set. Null when another change
 * of the deadline got there first (then that one stands) or the grace would not shorten it.
 */
export async function startGrace(
  deps: CoreDeps,
  task: Task,
  instance: Instance,
  graceMinutes: number,
): Promise<Instance | null> {
  const until = expiryFrom(deps.clock.now(), graceMinutes / 60);
  if (until.getTime() >= instance.expiresAt.getTime()) return null;
  return moveDeadline(deps, instance, until, {
    actor: "ccc",
    kind: GRACE_EVENT,
    detail: `task ${task.id} ended: deleted at ${until.toISOString()} unless kept`,
  });
}

/**
 * Keep pressed in the grace: the machine lives on for the hours it was made with (counted from now,
 * within the lifetime cap and the budget), and is reminded before that expiry as any machine is.
 */
export async function endGrace(
  deps: CoreDeps,
  actor: string,
  task: Task,
  instance: Instance,
): Promise<Instance> {
  const now = deps.clock.now();
  const hours = instance.requestedHours ?? deps.policy.defaultHours;
  const cap = instance.createdAt.getTime() + deps.policy.maxLifetimeHours * HOUR_MS;
  const until = new Date(Math.min(expiryFrom(now, hours).getTime(), Math.floor(cap / 1000) * 1000));
  if (until.getTime() <= instance.expiresAt.getTime()) return instance;
  const change: BudgetChange = {
    kind: "extend",
    instanceId: instance.id,
    hours: (until.getTime() - Math.max(instance.expiresAt.getTime(), now.getTime())) / HOUR_MS,
  };
  checkBudget(deps, instance.owner, change);
  const moved = await moveDeadline(
    deps,
    instance,
    until,
    { actor, kind: "extended", detail: `kept after task ${task.id}: to ${until.toISOString()}` },
    () => checkBudget(deps, instance.owner, change),
  );
  if (!moved) {
    throw new UserError(`${instance.id}'s deadline changed meanwhile; press Keep again.`, { code: "busy" });
  }
  // The machine shows its new expiry as after an extend; one that cannot be reached now is retried by the sweep.
  const pushed = await pushMachineState(deps, moved);
  if (pushed.kind === "pending" || pushed.kind === "alarm") {
    deps.log.warn("kept task machine not told its expiry", { instance: moved.id, reason: pushed.message });
  }
  return moved;
}

async function moveDeadline(
  deps: CoreDeps,
  instance: Instance,
  until: Date,
  note: { actor: string; kind: string; detail: string },
  check?: () => void,
): Promise<Instance | null> {
  let written: Date | null = null;
  const serverId = instance.hetznerServerId;
  if (serverId !== null) {
    await deps.cloud.setServerLabels(serverId, serverLabels(instance, until));
    written = until;
  }
  let moved: Instance | null = null;
  try {
    moved = deps.store.extendExpiry(instance.id, instance.expiresAt, until, note, check);
  } finally {
    // Whatever the store says now (this deadline, or another that won), the label says too.
    if (serverId !== null) await syncExpiryLabel(deps, instance.id, serverId, written);
  }
  return moved;
}

/**
 * When the machine of an ended, unkept task is deleted (the end of its grace), while it is still there:
 * what the result tells the person (Keep machine / Delete now). Null while the task runs, once the
 * machine is kept or gone.
 */
export function machineDeletesAt(deps: Pick<CoreDeps, "store">, task: Task): Date | null {
  if (isTaskActive(task.status) || task.keep || !task.instanceId) return null;
  const instance = deps.store.get(task.instanceId);
  if (!instance || !isLive(instance.status) || instance.status === "deleting") return null;
  return instance.expiresAt;
}
