import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";
import { machineTarget } from "../ports/machine.ts";
import type { TaskStartDocument, TaskStartResult } from "../ports/task-machine.ts";
import {
  claudeSignedInOf,
  prepareWorkspace,
  recordWorkspace,
  workspaceDocumentOf,
  workspaceOf,
} from "../workspace/prepare-workspace.ts";
import { endTask, taskChannelOf } from "./end-task.ts";
import { followTask } from "./follow-task.ts";
import type { Task } from "./task.ts";
import { recordCccEvent, type TaskListener } from "./task-events.ts";
import { taskGitIdentity } from "./task-git-identity.ts";

/** What Claude Code is told besides the person's words (appended to its system prompt). */
export const TASK_SYSTEM_PROMPT = [
  "You are running unattended, on a disposable machine ccc made for this task, in a clone of the repository.",
  "Work on the branch that is checked out. When you are done, commit your work on it with a clear message",
  "(git add, git commit). Do not push, do not create or switch branches, and do not change the git remotes:",
  "ccc pushes the branch and opens the pull request. End with a short summary of what you changed and why",
  "(it becomes the pull request's description); if nothing needed changing, say so.",
].join(" ");

/**
 * The task's machine is ready and its workspace prepared: starts Claude Code there, follows it to the end
 * (unless `follow` is false),
 * pushes, opens the pull request and ends the task (the machine deleted unless kept). Never throws for the
 * machine's or the forge's trouble: the task's status and failure say what happened.
 */
export async function runTaskOnMachine(
  deps: CoreDeps,
  taskId: string,
  instance: Instance,
  onProgress: TaskListener = () => {},
  options: { follow?: boolean } = {},
): Promise<Task> {
  const task = deps.store.tasks.get(taskId);
  if (!task) throw new Error(`task ${taskId} vanished`);
  if (task.status === "cancelled") return endTask(deps, task, onProgress);
  const now = () => deps.clock.now();
  deps.store.tasks.update(task.id, { instanceId: instance.id, status: "starting" }, now());
  const repo = workspaceOf(instance)?.repo;
  // A task whose clone failed has nothing to work on: said, before Claude Code is started (and paid for).
  if (workspaceOf(instance)?.failed || (repo && !repo.ok)) {
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
  const doc: TaskStartDocument = {
    kind: "task-start",
    version: 1,
    instanceId: deps.store.snapshots.machineIdOf(instance.id),
    taskId: task.id,
    repoName: task.repoName,
    branch: task.branch,
    prompt: task.prompt,
    maxTurns: task.maxTurns,
    maxMinutes: task.maxMinutes,
    resumeSessionId: resume,
    appendSystemPrompt: TASK_SYSTEM_PROMPT,
    git: await taskGitIdentity(deps, task.owner),
  };
  const target = machineTarget(instance, deps.timing.sshPort);
  const request = deps.store.workspaces.get(instance.id);
  let started: TaskStartResult;
  if (
    request?.withTask === task.id &&
    channel.startWithWorkspace &&
    !deps.store.workspaces.outcome(instance.id)
  ) {
    // The clone goes in the same session as the start (the pipeline left it here).
    const startedMs = task.createdAt.getTime();
    const both = await channel.startWithWorkspace(
      target,
      doc,
      workspaceDocumentOf(deps, instance, request),
      (detail) =>
        onProgress({
          taskId: task.id,
          step: "preparing_workspace",
          detail,
          elapsedMs: now().getTime() - startedMs,
        }),
    );
    // A machine older than the combined start refuses its field: the two go separately, as before.
    if (both.workspace.kind === "failed" && both.started?.kind === "refused") {
      const { withTask: _, ...alone } = request;
      deps.store.workspaces.put(instance.id, alone, now());
      return runTaskOnMachine(deps, taskId, await prepareWorkspace(deps, instance), onProgress, options);
    }
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
