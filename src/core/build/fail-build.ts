import { existsSync } from "node:fs";
import type { CloudServer } from "../cloud/cloud.ts";
import type { CoreDeps } from "../deps.ts";
import { isGoingAway } from "../instances/instance.ts";
import { extraFilesDir, removeExtraFiles } from "../machine/extra-files.ts";
import {
  ProvisionError,
  type ProvisionFailure,
  type ProvisionStep,
  type ServerAfterFailure,
  serverOutcomeText,
} from "../provision/provision-failure.ts";
import { instancePaths } from "../provision/start-provision.ts";
import { userFacingFailure } from "../user-facing-failure.ts";
import { releaseWorkVolume } from "../volumes/work-volume.ts";
import { isBeingBuilt, NoLongerWanted } from "./still-wanted.ts";

/**
 * Where the installer's log is, for admins reading the `failed` event (status shows it to them),
 * when the installer ran and its own message did not say already.
 */
function logPointer(deps: CoreDeps, id: string, detail: string): string {
  const { logFile } = instancePaths(deps, id);
  return existsSync(logFile) && !detail.includes(logFile) ? `. Installer log: ${logFile}` : "";
}

/**
 * The one cleanup after a failed build, whatever its source: deletes whatever server the build made
 * (by id, or else by its label), marks the instance `failed` with the reason, and answers the error to
 * throw, with the failure as a typed value. Used by the reconciler too.
 */
export async function failBuild(
  deps: CoreDeps,
  id: string,
  server: CloudServer | null,
  cause: unknown,
  step: ProvisionStep | null,
): Promise<ProvisionError> {
  // Deleted by someone while it was being built: whatever broke after that (the installer losing its
  // server, say) is a consequence, not the story.
  const deletedMeanwhile = isGoingAway(deps.store.get(id)?.status);
  const error = deletedMeanwhile ? new NoLongerWanted(id) : cause;
  const reason = error instanceof Error ? error.message : String(error);
  deps.log.error("provision failed", { instance: id, reason });
  // A process that stopped mid-install left the machine's private host key behind.
  await removeExtraFiles(extraFilesDir(deps.paths.instancesDir, id)).catch((rmError: unknown) =>
    deps.log.error("could not delete the install's host key", { instance: id, reason: String(rmError) }),
  );
  // Deleted meanwhile: the delete may have run before the server existed, so clean up all the same.
  let outcome: ServerAfterFailure = "deleted";
  let cleanupError: string | null = null;
  try {
    // Without a server id (the create call failed or its answer was lost) the label finds any server it made.
    const servers = server ? [server] : await deps.cloud.listServers(`ccc-instance=${id}`);
    // One Hetzner is deleting already needs nothing more (a second DELETE is refused as locked).
    for (const s of servers) if (s.status !== "deleting") await deps.cloud.deleteServer(s.id);
    if (servers.length === 0) outcome = "none";
  } catch (failure) {
    outcome = "left";
    cleanupError = failure instanceof Error ? failure.message : String(failure);
    deps.log.error("cleanup after failed provision failed", { instance: id, reason: cleanupError });
  }
  const failure: ProvisionFailure = {
    instanceId: id,
    step,
    reason: userFacingFailure(error),
    detail: reason,
    deletedMeanwhile,
    server: outcome,
    cleanupError,
  };
  releaseWorkVolume(deps, id);
  const current = deps.store.get(id);
  // Deleted, or settled by another process (which said why already): the record stays as it is.
  if (current && isBeingBuilt(current.status)) {
    deps.store.update(
      id,
      { status: "failed", failureReason: failure.reason, deletedAt: deps.clock.now() },
      {
        actor: "ccc",
        kind: "failed",
        detail: `${failure.detail}; ${serverOutcomeText(failure)}${cleanupError ? ` (${cleanupError})` : ""}${logPointer(deps, id, failure.detail)}`,
      },
    );
  }
  return new ProvisionError(failure, error);
}
