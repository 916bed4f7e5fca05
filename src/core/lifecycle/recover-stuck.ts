import { resumeBuild } from "../build/build-machine.ts";
import { failBuild } from "../build/fail-build.ts";
import type { CloudServer } from "../cloud/cloud.ts";
import type { Instance } from "../instances/instance.ts";
import { failureOf } from "../provision/provision-failure.ts";
import { PlainFailure, userFacingFailure } from "../user-facing-failure.ts";
import { instanceLease, takeLease } from "./leases.ts";
import { messageOf, type ReconcileFinding, type ReconcilePass } from "./reconcile-types.ts";

/**
 * A row younger than this is never taken for stuck: between recording the instance and taking its
 * lease, a provision holds no lease for a moment.
 */
export const STUCK_AFTER_MS = 2 * 60_000;

type Plan =
  | { action: "resume"; server: CloudServer; detail: string }
  | { action: "fail"; server: null; detail: string; reason: string }
  | { action: "fail_and_delete"; server: CloudServer | null; detail: string; reason: string };

/**
 * Handles a `creating` or `installing` row whose provision no process is running (nobody holds its
 * lease): a created server is resumed from the SSH wait; an interrupted install is failed and its
 * server deleted, since a half-installed disk cannot be trusted; a row with no server is failed.
 */
export async function recoverStuck(pass: ReconcilePass, row: Instance): Promise<ReconcileFinding | null> {
  const { deps, now } = pass;
  if (now - row.createdAt.getTime() < STUCK_AFTER_MS) return null;
  if (pass.options.dryRun) {
    // Someone holds the lease: the provision is running, not stuck.
    if (deps.store.leaseHolder(instanceLease(row.id), now) !== null) return null;
    const plan = await planFor(pass, row);
    return finding(row, plan, "dry_run");
  }
  const lease = takeLease(deps, instanceLease(row.id));
  if (!lease) return null;
  let plan: Plan | null = null;
  let handedOver = false;
  try {
    const current = deps.store.get(row.id);
    if (current?.status !== "creating" && current?.status !== "installing") return null;
    plan = await planFor(pass, current);
    if (plan.action === "resume") {
      deps.store.recordEvent(current.id, { actor: "ccc", kind: "resuming", detail: plan.detail });
      const { server } = plan;
      const resume = () => finishResume(pass, current, server);
      if (!pass.options.background) {
        const error = await resume();
        return error ? { ...finding(current, plan, "failed"), error } : finding(current, plan, "done");
      }
      // The lease goes with the work: nobody else takes the row while it is being resumed.
      handedOver = true;
      pass.options.background(`resume ${current.id}`, () => resume().then(() => lease.release()));
      return finding(current, plan, "started");
    }
    const step = current.status === "installing" ? "installing" : plan.server ? "waiting_for_ssh" : null;
    const failed = await failBuild(deps, current.id, plan.server, new PlainFailure(plan.reason), step);
    await deps.notifier.notify({
      kind: "provision_abandoned",
      instance: deps.store.require(current.id),
      failure: failed.failure,
    });
    return finding(current, plan, "done");
  } catch (error) {
    return { ...finding(row, plan ?? unknownPlan(row), "failed"), error: messageOf(error) };
  } finally {
    if (!handedOver) lease.release();
  }
}

/** Finishes the provision and tells the owner how it went; answers the error, if any. */
async function finishResume(pass: ReconcilePass, row: Instance, server: CloudServer): Promise<string | null> {
  const { deps } = pass;
  try {
    // Prepared like a fresh provision (repository, dotfiles) before the owner hears it is ready.
    const ready = await resumeBuild(deps, row, server);
    await deps.notifier.notify({ kind: "ready", instance: ready });
    return null;
  } catch (error) {
    // A failed resume has already deleted the server and marked the row failed; the owner hears why.
    const instance = deps.store.get(row.id) ?? row;
    if (instance.status === "failed") {
      const failure = failureOf(error, row.id, userFacingFailure(error));
      await deps.notifier.notify({
        kind: "provision_abandoned",
        instance,
        failure: { ...failure, reason: `resuming after a restart failed: ${failure.reason}` },
      });
    }
    return messageOf(error);
  }
}

async function planFor(pass: ReconcilePass, row: Instance): Promise<Plan> {
  const { deps } = pass;
  let server =
    (row.hetznerServerId !== null ? pass.serversById.get(row.hetznerServerId) : undefined) ??
    pass.serversByInstance.get(row.id) ??
    null;
  // Recorded but missing from the labelled listing: ask for it by id before calling it gone.
  if (!server && row.hetznerServerId !== null) server = await deps.cloud.getServer(row.hetznerServerId);
  if (server?.status === "deleting") {
    // Someone is deleting it (the console, another process): nothing left to resume.
    return {
      action: "fail_and_delete",
      server,
      detail: `${row.id} was ${row.status} when ccc stopped; its server ${server.id} is being deleted`,
      reason: `its server ${server.id} was deleted while it was being built`,
    };
  }
  if (row.status === "installing") {
    return {
      action: "fail_and_delete",
      server,
      detail: `${row.id} was installing when ccc stopped`,
      reason: "the install was interrupted by a restart of ccc",
    };
  }
  if (deps.store.snapshots.machineIdOf(row.id) !== row.id) {
    // A restore: resuming would run the installer over the saved disk. The snapshot is still there.
    return {
      action: "fail_and_delete",
      server,
      detail: `${row.id} was being restored when ccc stopped`,
      reason: "the restore was interrupted by a restart of ccc; restore the snapshot again",
    };
  }
  if (server && row.expiresAt.getTime() <= pass.now) {
    // Finishing it now would only bill until the sweep deletes it.
    return {
      action: "fail_and_delete",
      server,
      detail: `${row.id} was creating when ccc stopped and has expired since`,
      reason: "it expired before its interrupted provision could be finished",
    };
  }
  if (server) {
    return {
      action: "resume",
      server,
      detail: `${row.id} was creating when ccc stopped; server ${server.id} exists`,
    };
  }
  return {
    action: "fail",
    server: null,
    detail: `${row.id} was creating when ccc stopped; no server exists`,
    reason:
      row.hetznerServerId === null
        ? "the provision was interrupted before its server was created"
        : `its server ${row.hetznerServerId} disappeared while it was being built`,
  };
}

function finding(row: Instance, plan: Plan, outcome: ReconcileFinding["outcome"]): ReconcileFinding {
  return {
    kind: "stuck",
    instanceId: row.id,
    serverId: plan.server?.id ?? row.hetznerServerId,
    detail: plan.detail,
    action: plan.action,
    outcome,
    error: null,
  };
}

function unknownPlan(row: Instance): Plan {
  return { action: "fail", server: null, detail: `${row.id} is ${row.status}`, reason: "unknown" };
}
