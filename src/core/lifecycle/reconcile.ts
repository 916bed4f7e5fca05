import { MANAGED_SELECTOR } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import { reconcileAddresses } from "../hibernate/reconcile-addresses.ts";
import { SYSTEM_ACTOR } from "../instances/actor.ts";
import { type Instance, isInstanceId, isLive } from "../instances/instance.ts";
import { isPoolServer } from "../pool/pool-labels.ts";
import { reconcilePool } from "../pool/reconcile-pool.ts";
import type { CloudServer } from "../ports/cloud.ts";
import { reconcileImages } from "../snapshots/reconcile-images.ts";
import { noteTaskMachineDeleted } from "../tasks/task-machine-gone.ts";
import { machineCost } from "../usage/machine-cost.ts";
import { instanceLease, serverLease, withLease } from "./leases.ts";
import {
  messageOf,
  type ReconcileFinding,
  type ReconcileOptions,
  type ReconcilePass,
  type ReconcileSummary,
} from "./reconcile-types.ts";
import { reconcileVolumes } from "./reconcile-volumes.ts";
import { recoverStuck } from "./recover-stuck.ts";

export type { ReconcileFinding, ReconcileOptions, ReconcileSummary } from "./reconcile-types.ts";

const MINUTE = 60_000;

/**
 * Compares the servers labelled `managed-by=ccc` with the store: adopts a running server the store does
 * not know while its `ccc-expires-at` label is in the future (another database made it), deletes orphans
 * once their label's expiry plus the grace has passed (or, with no label, once older than the grace),
 * closes rows whose server is gone, and resumes or fails provisions a crash left behind. A store that
 * records no machine at all while Hetzner runs ccc servers is not the one they belong to: nothing is
 * deleted or adopted, and the summary says why.
 */
export async function runReconcile(deps: CoreDeps, options: ReconcileOptions): Promise<ReconcileSummary> {
  // Rows first: any server id they hold was created before the listing, so a missing server is really gone.
  const live = deps.store.list();
  const servers = await deps.cloud.listServers(MANAGED_SELECTOR);
  const summary = { servers: servers.length, liveRows: live.length, dryRun: Boolean(options.dryRun) };
  const refused = wrongStore(deps, servers);
  if (refused) {
    deps.log.warn("reconcile refused", { reason: refused });
    return { ...summary, findings: [], volumes: [], refused };
  }
  const pass: ReconcilePass = {
    deps,
    options,
    now: deps.clock.now().getTime(),
    serversById: new Map(servers.map((s) => [s.id, s])),
    serversByInstance: new Map(
      servers.flatMap((s) => (s.labels["ccc-instance"] ? [[s.labels["ccc-instance"], s] as const] : [])),
    ),
  };
  const findings: ReconcileFinding[] = [];
  const add = (finding: ReconcileFinding | null) => finding && findings.push(finding);
  // Orphans first: they cost money now, while a resumed provision can take many minutes.
  for (const server of servers) add(await deleteOrphan(pass, server));
  for (const row of live) {
    if (row.status === "creating" || row.status === "installing") add(await recoverStuck(pass, row));
    else if (row.status === "ready") add(await closeGhost(pass, row));
    // `deleting` rows belong to the expiry sweep, which retries them.
  }
  findings.push(...(await reconcileImages(pass)));
  findings.push(...(await reconcileAddresses(pass)));
  findings.push(...(await reconcilePool(pass, servers)));
  const volumes = await reconcileVolumes(deps, options);
  return { ...summary, findings, volumes };
}

/** Why this store cannot be the one Hetzner's ccc servers belong to, or null when it may be. */
function wrongStore(deps: CoreDeps, servers: CloudServer[]): string | null {
  const machines = Object.values(deps.store.machinesByStatus()).reduce((sum, n) => sum + n, 0);
  if (machines > 0) return null;
  const running = servers.filter((s) => s.status !== "deleting" && !isPoolServer(s.labels));
  if (running.length === 0) return null;
  return (
    `this database records no machine at all, but Hetzner runs ${running.length} ccc server${running.length === 1 ? "" : "s"} ` +
    `(${running.map((s) => s.name).join(", ")}). It is probably not the database ccc runs with (CCC_DB_PATH); ` +
    "nothing was deleted or adopted."
  );
}

async function deleteOrphan(pass: ReconcilePass, server: CloudServer): Promise<ReconcileFinding | null> {
  const { deps, options, now } = pass;
  // Already on its way out (ccc's own delete, or someone's in the console): nothing to do or report.
  if (server.status === "deleting") return null;
  // The pool's own pass knows which pool servers are broken.
  if (isPoolServer(server.labels)) return null;
  const label = server.labels["ccc-instance"] ?? null;
  const row = label ? deps.store.get(label) : null;
  const ownsServer = row?.hetznerServerId === null || row?.hetznerServerId === server.id;
  if (row && isLive(row.status) && ownsServer) return null;

  const expiresAt = Number(server.labels["ccc-expires-at"]) * 1000;
  const labelled = server.labels["ccc-expires-at"] !== undefined && Number.isFinite(expiresAt);
  const labelExpired = labelled && expiresAt <= now;
  const ageMinutes = Math.floor((now - server.created.getTime()) / MINUTE);
  const why = row
    ? `${server.name}: its instance ${row.id} is ${row.status}`
    : `${server.name}: the store has no instance ${label ?? "(no ccc-instance label)"}`;
  const unknown = !row && label !== null && isInstanceId(label) && labelled;
  const graceMs = options.graceMinutes * MINUTE;
  // A server the store never knew, with a label: its own expiry (plus the grace) is the only deadline.
  const dueAt = unknown ? expiresAt + graceMs : labelExpired ? now : server.created.getTime() + graceMs;
  const detail = unknown
    ? `${why}; its ccc-expires-at label ${labelExpired ? "is past" : "is in the future"}`
    : labelExpired
      ? `${why}; its ccc-expires-at label is past`
      : `${why}; ${ageMinutes} min old (grace ${options.graceMinutes} min)`;
  const finding = (action: ReconcileFinding["action"], outcome: ReconcileFinding["outcome"]) => ({
    kind: "orphan" as const,
    instanceId: row?.id ?? (label && isInstanceId(label) ? label : null),
    serverId: server.id,
    detail,
    action,
    outcome,
    error: null,
  });
  if (unknown && !labelExpired) return adopt(pass, server, label, expiresAt, detail);
  if (now < dueAt) return finding("wait", "waiting");
  if (options.dryRun) return finding("delete_server", "dry_run");
  try {
    const attempt = await withLease(deps, serverLease(server.id), () => deps.cloud.deleteServer(server.id));
    if (!attempt.taken) return finding("delete_server", "busy");
    // Already gone or going: another process deleted it between our listing and now, and reported it.
    if (attempt.value === "gone" || attempt.value === "deleting") return null;
    const result = finding("delete_server", "done");
    deps.store.recordEvent(result.instanceId, { actor: "ccc", kind: "orphan_deleted", detail });
    deps.log.warn("orphan server deleted", { server: server.id, detail });
    await deps.notifier.notify({ kind: "admin_alert", text: `Deleted orphan server ${detail}.` });
    return result;
  } catch (error) {
    return { ...finding("delete_server", "failed"), error: messageOf(error) };
  }
}

/**
 * Takes a running server the store does not know into the store, from its labels (owner, expiry) and
 * Hetzner's own facts (type, place, addresses). Its keys and host key are unknown: the machine can be
 * listed, extended and deleted, not changed over SSH.
 */
async function adopt(
  pass: ReconcilePass,
  server: CloudServer,
  id: string,
  expiresAt: number,
  detail: string,
): Promise<ReconcileFinding> {
  const { deps, options } = pass;
  const owner = server.labels["ccc-owner"] ?? "unknown";
  const finding = (outcome: ReconcileFinding["outcome"], error: string | null = null): ReconcileFinding => ({
    kind: "orphan",
    instanceId: id,
    serverId: server.id,
    detail: `${detail}; owner ${owner}`,
    action: "adopt",
    outcome,
    error,
  });
  if (options.dryRun) return finding("dry_run");
  try {
    const attempt = await withLease(deps, serverLease(server.id), async () =>
      deps.store.adopt(
        {
          id,
          owner,
          ownerEmail: null,
          sshKeys: [],
          sshKeyFingerprint: "",
          serverType: server.serverType,
          location: server.location ?? "",
          createdAt: server.created,
          expiresAt: new Date(expiresAt),
        },
        { hetznerServerId: server.id, ipv4: server.ipv4, ipv6: server.ipv6, readyAt: server.created },
        { actor: "ccc", kind: "adopted", detail: `reconcile found ${server.name} running with no record` },
      ),
    );
    if (!attempt.taken) return finding("busy");
    if (!attempt.value) return finding("busy");
    deps.log.warn("server adopted", { server: server.id, instance: id, owner });
    await deps.notifier.notify({
      kind: "admin_alert",
      text: `Adopted server ${server.name} (${id}, owner ${owner}): it was running with no record in this database. It expires at its label's time.`,
    });
    return finding("done");
  } catch (error) {
    return finding("failed", messageOf(error));
  }
}

async function closeGhost(pass: ReconcilePass, row: Instance): Promise<ReconcileFinding | null> {
  const { deps, options } = pass;
  if (row.hetznerServerId === null || pass.serversById.has(row.hetznerServerId)) return null;
  const reason = `server ${row.hetznerServerId} no longer exists at Hetzner`;
  const finding = (outcome: ReconcileFinding["outcome"], error: string | null = null): ReconcileFinding => ({
    kind: "ghost",
    instanceId: row.id,
    serverId: row.hetznerServerId,
    detail: `${row.id} is ${row.status} but its ${reason}`,
    action: "mark_deleted",
    outcome,
    error,
  });
  try {
    // The listing only shows labelled servers: ask for this one before believing it gone.
    if ((await deps.cloud.getServer(row.hetznerServerId)) !== null) return null;
    if (options.dryRun) return finding("dry_run");
    const attempt = await withLease(deps, instanceLease(row.id), async () => {
      const current = deps.store.get(row.id);
      if (current?.status !== "ready" || current.hetznerServerId !== row.hetznerServerId) return false;
      const closed = deps.store.update(
        row.id,
        { status: "deleted", deletedAt: deps.clock.now(), failureReason: reason },
        { actor: "ccc", kind: "deleted", detail: reason },
      );
      noteTaskMachineDeleted(deps, closed.id, SYSTEM_ACTOR, reason);
      const cost = machineCost(deps.store, closed.id, deps.clock.now());
      await deps.notifier.notify({ kind: "server_gone", instance: closed, ...(cost ? { cost } : {}) });
      return true;
    });
    if (!attempt.taken) return finding("busy");
    return attempt.value ? finding("done") : null;
  } catch (error) {
    return finding("failed", messageOf(error));
  }
}
