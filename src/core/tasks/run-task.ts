import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";
import type { CarriedTaskStart } from "../ports/carried-start.ts";
import { machineTarget } from "../ports/machine.ts";
import type { TaskStartResult } from "../ports/task-machine.ts";
import {
  claudeSignedInOf,
  prepareWorkspace,
  recordWorkspace,
  workspaceDocumentOf,
  workspaceOf,
} from "../workspace/prepare-workspace.ts";
import type { WorkspaceResult } from "../workspace/workspace-document.ts";
import { takeCarriedStart, taskStartDocument } from "./carried-start.ts";
import { endTask, taskChannelOf } from "./end-task.ts";
import { followTask } from "./follow-task.ts";
import type { Task } from "./task.ts";
import { recordCccEvent, type TaskListener } from "./task-events.ts";

export { TASK_SYSTEM_PROMPT } from "./carried-start.ts";

/**
 * The task's machine is ready and its workspace prepared: starts Claude Code there, follows it to the end
 * (unless `follow` is false),
 * pushes, opens the pull request and ends the task (the machine deleted unless kept). Never throws for the
 * machine's or the forge's trouble: the task's status and failure say what happened.
 */
export async function runTaskOnMachine(
  deps: CoreDeps,
  taskId: string,
  given: Instance,
  onProgress: TaskListener = () => {},
  options: { follow?: boolean } = {},
): Promise<Task> {
  // The start its pool machine's hand-over carried, when it did: taken once.
  const { carried, instance } = takeCarriedStart(given);
  const task = deps.store.tasks.get(taskId);
  if (!task) throw new Error(`task ${taskId} vanished`);
  if (task.status === "cancelled") {
    if (carried) await stopCarried(deps, instance, task.id, carried);
    return endTask(deps, task, onProgress);
  }
  const now = () => deps.clock.now();
  deps.store.tasks.update(task.id, { instanceId: instance.id, status: "starting" }, now());
  const repo = workspaceOf(instance)?.repo;
  // A task whose clone failed has nothing to work on: said, before Claude Code is started (and paid for).
  if (workspaceOf(instance)?.failed || (repo && !repo.ok)) {
    carried?.abandon();
    const why = workspaceOf(instance)?.failed ?? repo?.error ?? "the clone failed";
    return failAndEnd(
      deps,
      task.id,
      "start_failed",
      `The repository could not be prepared on the machine: ${why.replace(/[.\s]+$/, "")}.`,
      onProgress,
    );
  }
  const channel = taskChannelOf(deps);
  const prior = task.parentId ? deps.store.tasks.get(task.parentId) : null;
  // A reply continues the session only where it lives: on the machine that ran it.
  const resume = prior?.sessionId && prior.instanceId === instance.id ? prior.sessionId : null;
  const doc = await taskStartDocument(deps, task, instance, resume);
  const target = machineTarget(instance, deps.timing.sshPort);
  const request = deps.store.workspaces.get(instance.id);
  const startedMs = task.createdAt.getTime();
  const preparing = (detail: string) =>
    onProgress({
      taskId: task.id,
      step: "preparing_workspace",
      detail,
      elapsedMs: now().getTime() - startedMs,
    });
  let started: TaskStartResult;
  let both: { workspace: WorkspaceResult; started: TaskStartResult | null } | null = null;
  if (carried && request) {
    carried.follow(preparing);
    const outcome = await carried.outcome;
    // Not run there (the machine refused the task's part, or had no secrets): started here as ever.
    if (outcome.kind === "done") both = outcome;
    else deps.log.warn("task not started with the hand-over", { task: task.id, reason: outcome.reason });
  } else carried?.abandon();
  if (
    !both &&
    request?.withTask === task.id &&
    channel.startWithWorkspace &&
    !deps.store.workspaces.outcome(instance.id)
  ) {
    // The clone goes in the same session as the start (the pipeline left it here).
    both = await channel.startWithWorkspace(
      target,
      doc,
      workspaceDocumentOf(deps, instance, request),
      preparing,
    );
    // A machine older than the combined start refuses its field: the two go separately, as before.
    if (both.workspace.kind === "failed" && both.started?.kind === "refused") {
      const { withTask: _, ...alone } = request;
      deps.store.workspaces.put(instance.id, alone, now());
      return runTaskOnMachine(deps, taskId, await prepareWorkspace(deps, instance), onProgress, options);
    }
  }
  if (both && request) {
    const outcome = await recordWorkspace(
      deps,
      instance,
      request,
      both.workspace,
      await claudeSignedInOf(deps, instance),
    );
    // The clone comes first in the session: when it (or the session itself) failed, that is what to say.
    const cloneFailed = both.workspace.kind !== "ok" || (outcome.repo !== undefined && !outcome.repo.ok);
    if (both.started === null || (both.started.kind !== "ok" && cloneFailed)) {
      const why = outcome.repo?.error ?? outcome.failed ?? "the clone failed";
      return failAndEnd(
        deps,
        task.id,
        "start_failed",
        `The repository could not be prepared on the machine: ${why.replace(/[.\s]+$/, "")}.`,
        onProgress,
      );
    }
    started = both.started;
  } else {
    started = await channel.start(target, doc);
  }
  if (started.kind !== "ok") {
    deps.log.warn("task not started", { task: task.id, reason: started.detail || started.message });
    return failAndEnd(
      deps,
      task.id,
      "start_failed",
      `Claude Code could not be started on the machine: ${started.message.replace(/[.\s]+$/, "")}.`,
      onProgress,
    );
  }
  deps.store.tasks.update(task.id, { status: "running", startedAt: now() }, now());
  for (const row of recordCccEvent(deps, task.id, {
    step: "running",
    detail: resume
      ? `Claude Code continues the conversation (${started.unit})`
      : `Claude Code is running (${started.unit})`,
  })) {
    onProgress({
      taskId: task.id,
      step: "running",
      elapsedMs: now().getTime() - task.createdAt.getTime(),
      seq: row.seq,
    });
  }
  // Without `follow`, whoever follows running tasks (the bot) takes it from here.
  if (options.follow === false) return deps.store.tasks.get(task.id) as Task;
  return followTask(deps, task.id, onProgress);
}

/**
 * A task cancelled while its start went with the hand-over: the session is closed (the machine then starts
 * nothing), and a unit it started all the same (its answer came first) is stopped, as a cancel does.
 */
async function stopCarried(
  deps: CoreDeps,
  instance: Instance,
  taskId: string,
  carried: CarriedTaskStart,
): Promise<void> {
  carried.abandon();
  const outcome = await carried.outcome;
  if (outcome.kind !== "done" || outcome.started?.kind !== "ok") return;
  const stopped = await taskChannelOf(deps).cancel(machineTarget(instance, deps.timing.sshPort), taskId);
  if (stopped.kind !== "ok") {
    deps.log.warn("task unit not stopped", { task: taskId, reason: stopped.detail || stopped.message });
  }
}

async function failAndEnd(
  deps: CoreDeps,
  taskId: string,
  code: "start_failed",
  failure: string,
  onProgress: TaskListener,
): Promise<Task> {
  deps.store.tasks.finish(taskId, { status: "failed", failureCode: code, failure }, deps.clock.now());
  recordCccEvent(deps, taskId, { step: "failed", detail: failure });
  const task = deps.store.tasks.get(taskId) as Task;
  return endTask(deps, task, onProgress);
}
