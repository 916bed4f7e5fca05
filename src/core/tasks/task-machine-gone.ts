import type { CoreDeps } from "../deps.ts";
import { type Actor, SYSTEM_ACTOR } from "../instances/actor.ts";
import { isTaskActive } from "./task.ts";
import { recordCccEvent } from "./task-events.ts";

// The one rule for "the machine of a task that has ended is gone": every ended task that ran on it gets
// one ccc event saying so, whoever deleted it (the expiry sweep at the end of the grace, Delete now,
// `ccc deprovision`, an admin, the server gone at Hetzner). Called where a machine's deletion is recorded
// (`deprovision`, the reconciler's ghost), once: the store's compare-and-set lets only one delete win.
// A task still running is told by its follower instead (the machine is lost, the task fails).

/** The step of that event. */
export const MACHINE_DELETED_STEP = "machine_deleted";

/** The deprovision reason of an expiry (the sweep's). */
export const EXPIRED_REASON = "expired";

/** What the event carries besides its words: who deleted it (a person), or why (ccc itself). */
export interface MachineDeletedEvent {
  step: typeof MACHINE_DELETED_STEP;
  detail: string;
  /** The person (or operator) who deleted it. */
  by?: string;
  /** Why ccc deleted it, in words that follow "deleted: " ("the grace after the task ended"). */
  why?: string;
}

export function noteTaskMachineDeleted(
  deps: Pick<CoreDeps, "store" | "clock">,
  instanceId: string,
  actor: Actor,
  reason: string,
): void {
  for (const task of deps.store.tasks.ofInstance(instanceId)) {
    if (isTaskActive(task.status)) continue;
    const by = actor.id === SYSTEM_ACTOR.id ? undefined : actor.id;
    const why =
      reason === EXPIRED_REASON ? (task.keep ? "it expired" : "the grace after the task ended") : reason;
    const event: MachineDeletedEvent = by
      ? { step: MACHINE_DELETED_STEP, detail: `${instanceId} deleted by ${by}`, by }
      : { step: MACHINE_DELETED_STEP, detail: `${instanceId} deleted: ${why}`, why };
    recordCccEvent(deps, task.id, event);
  }
}
