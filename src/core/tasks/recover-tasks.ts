import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";
import { type HeldLease, takeLease } from "../lifecycle/leases.ts";
import { machineTarget } from "../ports/machine.ts";
import { endTask, taskChannelOf } from "./end-task.ts";
import { followTask, taskLease, taskStartLease } from "./follow-task.ts";
import { runTaskOnMachine } from "./run-task.ts";
import type { Task } from "./task.ts";
import { recordCccEvent, type TaskListener } from "./task-events.ts";
import { tellTaskOwner } from "./tell-task-owner.ts";

// Tasks whose starter died (the bot or the CLI stopped while the task was `queued` or `starting`): nobody
// holds their start lease any more. Each is carried on where it can be, else failed, said and cleaned up:
// - its machine is still being made (`creating`, `installing`): left for now; the reconciler resumes or
//   fails that provision, and a later sweep sees which;
// - its machine is ready: carried on. Claude Code already started there (the machine has its event log
//   or its unit runs) is followed from the last recorded line; otherwise it is started now;
// - no machine was recorded, or it failed or is gone: the task fails, saying so, with nothing left
//   running (a machine on its way out goes on being deleted) and the owner told.

type Plan =
  | { kind: "wait" }
  | { kind: "carry_on"; instance: Instance }
  | { kind: "fail"; code: "start_failed" | "provision_failed"; text: string };

/** Takes up every task left queued or starting by a starter that died; answers the ids it took. */
export function recoverUnstartedTasks(
  deps: CoreDeps,
  onProgress: TaskListener = () => {},
  signal?: AbortSignal,
): string[] {
  if (!deps.taskChannel) return [];
  const now = deps.clock.now().getTime();
  const taken: string[] = [];
  for (const listed of deps.store.tasks.active()) {
    if (listed.status !== "queued" && listed.status !== "starting") continue;
    if (deps.store.leaseHolder(taskStartLease(listed.id), now)) continue;
    if (deps.store.leaseHolder(taskLease(listed.id), now)) continue;
    const lease = takeLease(deps, taskStartLease(listed.id));
    if (!lease) continue;
    // Read again under the lease: the starter may have got it running just before it let go.
    const task = deps.store.tasks.get(listed.id);
    const plan =
      task && (task.status === "queued" || task.status === "starting") ? planFor(deps, task) : null;
    if (!task || !plan || plan.kind === "wait") {
      lease.release();
      continue;
    }
    taken.push(task.id);
    void carryOut(deps, task, plan, lease, onProgress, signal)
      .catch((error: unknown) =>
        deps.log.error("taking up a task failed", { task: task.id, reason: String(error) }),
      )
      .finally(() => lease.release());
  }
  return taken;
}

function planFor(deps: CoreDeps, task: Task): Plan {
  const instance = task.instanceId ? deps.store.get(task.instanceId) : null;
  if (!instance) {
    return {
      kind: "fail",
      code: "start_failed",
      text: "ccc stopped while the task was being set up, before its machine was made, so it never ran. Ask again.",
    };
  }
  if (instance.status === "creating" || instance.status === "installing") return { kind: "wait" };
  if (instance.status === "ready") return { kind: "carry_on", instance };
  if (instance.status === "deleting" || instance.status === "deleted") {
    return {
      kind: "fail",
      code: "start_failed",
      text: `ccc stopped while the task was starting, and its machine ${instance.id} was deleted meanwhile, so the task never ran. Ask again.`,
    };
  }
  const why = instance.failureReason ? ` (${instance.failureReason.replace(/[.\s]+$/, "")})` : "";
  return {
    kind: "fail",
    code: "provision_failed",
    text: `ccc stopped while the task's machine was being made, and the machine could not be finished${why}, so the task never ran. Ask again.`,
  };
}

async function carryOut(
  deps: CoreDeps,
  task: Task,
  plan: Exclude<Plan, { kind: "wait" }>,
  lease: HeldLease,
  onProgress: TaskListener,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (plan.kind === "fail") {
    if (
      !deps.store.tasks.finish(
        task.id,
        { status: "failed", failureCode: plan.code, failure: plan.text },
        deps.clock.now(),
      )
    )
      return;
    recordCccEvent(deps, task.id, { step: "failed", detail: plan.text });
    const ended = await endTask(deps, deps.store.tasks.get(task.id) as Task, onProgress);
    await tellTaskOwner(deps, ended);
    return;
  }
  const { instance } = plan;
  if (task.status === "starting") {
    const read = await taskChannelOf(deps).read(
      machineTarget(instance, deps.timing.sshPort),
      task.id,
      deps.store.tasks.nextLine(task.id),
    );
    // The machine knows no such task (refused): Claude Code was never started there; it is started below.
    // Not answering, or anything else: the next sweep looks again (or the machine's end fails the task).
    if (read.kind !== "ok" && read.kind !== "refused") return;
    const started =
      read.kind === "ok" &&
      (read.lines.length > 0 || read.state === "running" || deps.store.tasks.nextLine(task.id) > 0);
    if (started) {
      // Claude Code was started before the starter died: followed from the last recorded line.
      const now = deps.clock.now();
      deps.store.tasks.update(task.id, { status: "running", startedAt: task.startedAt ?? now }, now);
      recordCccEvent(deps, task.id, {
        step: "resumed",
        detail: "ccc restarted while the task was starting; Claude Code was running, followed again",
      });
      lease.release();
      await followTask(deps, task.id, onProgress, signal);
      return;
    }
  }
  recordCccEvent(deps, task.id, {
    step: "resumed",
    detail: `ccc restarted while the task was starting; it carries on on ${instance.id}`,
  });
  await runTaskOnMachine(deps, task.id, instance, onProgress);
}
