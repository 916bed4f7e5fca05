export type { WorkspaceOutcome } from "./workspace-outcome-type.ts";

import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";
import { machineTarget } from "../ports/machine.ts";
import type { WorkspaceRequest } from "../store/store.ts";
import type { WorkspaceDocument, WorkspaceResult } from "./workspace-document.ts";
import type { WorkspaceOutcome } from "./workspace-outcome-type.ts";
import { workspaceSettingsOf } from "./workspace-settings.ts";

const OUTCOME = Symbol("workspace outcome");
type Tagged = Instance & { [OUTCOME]?: WorkspaceOutcome };

/** Carried beside the instance for the messages only (never stored), like the pool outcome. */
export function withWorkspace(instance: Instance, outcome: WorkspaceOutcome): Instance {
  return Object.assign({ ...instance }, { [OUTCOME]: outcome });
}

export function workspaceOf(instance: Instance): WorkspaceOutcome | undefined {
  return (instance as Tagged)[OUTCOME];
}

/**
 * After the machine is ready: clones the repository (or fetches a clone a work volume kept), builds its
 * devShell and runs the dotfiles, over the pinned channel, as the claude user. Nothing here fails the
 * provision: what went wrong is named in the outcome, and the machine is handed over all the same.
 */
export async function prepareWorkspace(
  deps: CoreDeps,
  instance: Instance,
  onProgress: (text: string) => void = () => {},
): Promise<Instance> {
  const claudeSignedIn = await claudeSignedInOf(deps, instance);
  const request = deps.store.workspaces.get(instance.id);
  if (!request?.repo && !request?.dotfiles) return withWorkspace(instance, { claudeSignedIn });
  // A task's machine clones in the same session as the task's start (core/tasks/run-task.ts).
  if (request.withTask && !deps.store.workspaces.outcome(instance.id))
    return withWorkspace(instance, { claudeSignedIn });
  const settings = workspaceSettingsOf(deps);
  const doc = workspaceDocumentOf(deps, instance, request);
  const result = deps.machine.workspace
    ? await deps.machine.workspace(
        machineTarget(instance, deps.timing.sshPort),
        doc,
        onProgress,
        settings.prepareTimeoutMs,
      )
    : { kind: "failed" as const, message: "this ccc cannot reach machines to prepare them", detail: "" };
  return withWorkspace(instance, await recordWorkspace(deps, instance, request, result, claudeSignedIn));
}

/** Whether the owner has a Claude credential set (null: ccc cannot tell). */
export async function claudeSignedInOf(deps: CoreDeps, instance: Instance): Promise<boolean | null> {
  return deps.claudeCredential ? await deps.claudeCredential(instance.owner).catch(() => null) : null;
}

/** The workspace document for the machine's request (no secret in it: git asks the machine's helper). */
export function workspaceDocumentOf(
  deps: CoreDeps,
  instance: Instance,
  request: WorkspaceRequest,
): WorkspaceDocument {
  const settings = workspaceSettingsOf(deps);
  return {
    kind: "workspace",
    version: 1,
    // A restored machine still has the saved machine's id on its disk.
    instanceId: deps.store.snapshots.machineIdOf(instance.id),
    ...(request.repo
      ? {
          repo: {
            url: request.repo.url,
            name: request.repo.name,
            branch: request.repo.branch,
            full: request.repo.full,
          },
        }
      : {}),
    ...(request.dotfiles
      ? {
          dotfiles: {
            url: request.dotfiles.url,
            name: request.dotfiles.name,
            branch: request.dotfiles.branch,
          },
        }
      : {}),
    ...(request.git && (request.git.name || request.git.email) ? { git: request.git } : {}),
    credentialHosts: (["github", "gitlab"] as const).map((forge) => ({ url: settings[forge].webUrl, forge })),
  };
}

/** Keeps what the preparation came to (the store, the machine's log) and answers it. */
export async function recordWorkspace(
  deps: CoreDeps,
  instance: Instance,
  request: WorkspaceRequest,
  result: WorkspaceResult,
  claudeSignedIn: boolean | null,
): Promise<WorkspaceOutcome> {
  const outcome: WorkspaceOutcome = { claudeSignedIn };
  if (result.kind === "failed") {
    deps.log.warn("workspace not prepared", {
      instance: instance.id,
      reason: result.detail || result.message,
    });
    outcome.failed = result.message;
    deps.store.workspaces.setOutcome(instance.id, outcome, deps.clock.now());
    return outcome;
  }
  const { answer } = result;
  if (request.repo && answer.repo) {
    outcome.repo = {
      label: request.repo.label,
      path: answer.repo.path,
      ok: answer.repo.ok,
      action: answer.repo.action,
      ...(answer.repo.error ? { error: answer.repo.error } : {}),
    };
  }
  if (answer.devShell) outcome.devShell = answer.devShell;
  if (request.dotfiles && answer.dotfiles) {
    outcome.dotfiles = {
      label: request.dotfiles.label,
      ok: answer.dotfiles.ok,
      script: answer.dotfiles.script,
      ...(answer.dotfiles.error ? { error: answer.dotfiles.error } : {}),
    };
    if (answer.dotfiles.log)
      await machineLog(deps, instance.id, `dotfiles (${answer.dotfiles.script})`, answer.dotfiles.log);
  }
  deps.log.info("workspace prepared", {
    instance: instance.id,
    repo: outcome.repo ? (outcome.repo.ok ? outcome.repo.action : "failed") : "none",
    devShell: outcome.devShell?.state ?? "none",
    dotfiles: outcome.dotfiles ? (outcome.dotfiles.ok ? "ok" : "failed") : "none",
  });
  deps.store.workspaces.setOutcome(instance.id, outcome, deps.clock.now());
  return outcome;
}

/** Appends to the machine's log (beside the installer's output), where operators look first. */
async function machineLog(deps: CoreDeps, id: string, what: string, text: string): Promise<void> {
  const line = `\n--- ${what}, ${deps.clock.now().toISOString()} ---\n${text}${text.endsWith("\n") ? "" : "\n"}`;
  await appendFile(join(deps.paths.logsDir, `${id}.log`), line, { mode: 0o600 }).catch((error: unknown) =>
    deps.log.warn("could not write the machine's log", { instance: id, reason: String(error) }),
  );
}
