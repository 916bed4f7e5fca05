// A task's start carried by its pool machine's hand-over (one SSH session for the hand-over, the secrets,
// the clone and the start: `TaskCarryingChannel.applyWithTask`). The pool claim decides whether it goes; the
// pipeline carries the session beside the ready instance to the task's start (run-task.ts), which takes
// its answer instead of opening a session of its own.
import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";
import type { CarriedTaskStart } from "../ports/carried-start.ts";
import type { TaskStartDocument } from "../ports/task-machine.ts";
import { workspaceDocumentOf } from "../workspace/prepare-workspace.ts";
import type { WorkspaceDocument } from "../workspace/workspace-document.ts";
import type { Task } from "./task.ts";
import { taskGitIdentity } from "./task-git-identity.ts";

/** What Claude Code is told besides the person's words (appended to its system prompt). */
export const TASK_SYSTEM_PROMPT = [
  "You are running unattended, on a disposable machine ccc made for this task, in a clone of the repository.",
  "Work on the branch that is checked out. When you are done, commit your work on it with a clear message",
  "(git add, git commit). Do not push, do not create or switch branches, and do not change the git remotes:",
  "ccc pushes the branch and opens the pull request. End with a short summary of what you changed and why",
  "(it becomes the pull request's description); if nothing needed changing, say so.",
].join(" ");

/** The task-start document for `task` on `instance` (`resume`: Claude Code's session to continue). */
export async function taskStartDocument(
  deps: CoreDeps,
  task: Task,
  instance: Instance,
  resume: string | null,
): Promise<TaskStartDocument> {
  return {
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
}

/**
 * The task start a pool machine's hand-over can carry, or null. Only a claim that needs nothing more before
 * Claude Code starts: a task waiting for this machine with its clone left to the start, no work volume to
 * mount first (the clone goes on it) and no packages to install first.
 */
export async function carriedStartFor(
  deps: CoreDeps,
  instance: Instance,
): Promise<{ start: TaskStartDocument; workspace: WorkspaceDocument } | null> {
  const request = deps.store.workspaces.get(instance.id);
  if (!request?.withTask || deps.store.workspaces.outcome(instance.id)) return null;
  if (deps.store.workVolumes.forInstance(instance.id)) return null;
  if ((instance.packages ?? []).length > 0) return null;
  const task = deps.store.tasks.get(request.withTask);
  if (!task || (task.status !== "queued" && task.status !== "starting")) return null;
  return {
    start: await taskStartDocument(deps, task, instance, null),
    workspace: workspaceDocumentOf(deps, instance, request),
  };
}

const CARRIED = Symbol("carried task start");
type Tagged = Instance & { [CARRIED]?: CarriedTaskStart };

/** Carried beside the ready instance to the task's start (never stored), like the pool outcome. */
export function withCarriedStart(instance: Instance, carried: CarriedTaskStart | undefined): Instance {
  return carried ? Object.assign({ ...instance }, { [CARRIED]: carried }) : instance;
}

/** The carried start beside `instance`, and the instance without it (so it is taken once). */
export function takeCarriedStart(instance: Instance): {
  carried: CarriedTaskStart | undefined;
  instance: Instance;
} {
  const carried = (instance as Tagged)[CARRIED];
  if (!carried) return { carried, instance };
  const { [CARRIED]: _, ...rest } = instance as Tagged;
  return { carried, instance: rest as Instance };
}
