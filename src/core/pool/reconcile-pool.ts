import { instanceLease, withLease } from "../lifecycle/leases.ts";
import { messageOf, type ReconcileFinding, type ReconcilePass } from "../lifecycle/reconcile-types.ts";
import type { CloudServer } from "../ports/cloud.ts";
import type { PoolMember } from "../store/store.ts";
import { poolMemberLease } from "./discard.ts";
import { isPoolServer } from "./pool-labels.ts";

const MINUTE = 60_000;

/**
 * The pool's part of reconcile. Pool servers are no orphans, but broken members are deleted: one
 * `installing` that no process is installing, one whose server is gone, one `claimed` that no
 * provision is handing over, and a pool server no member knows.
 */
export async function reconcilePool(
  pass: ReconcilePass,
  servers: CloudServer[],
): Promise<ReconcileFinding[]> {
  const { deps } = pass;
  const findings: ReconcileFinding[] = [];
  const members = deps.store.pool.list();
  for (const member of members) {
    const finding = await checkMember(pass, member).catch(
      (error: unknown): ReconcileFinding => ({
        ...base(member.id, member.hetznerServerId, `pool machine ${member.id}`),
        action: "delete_server",
        outcome: "failed",
        error: messageOf(error),
      }),
    );
    if (finding) findings.push(finding);
  }
  const known = new Set(members.map((m) => m.id));
  for (const server of servers) {
    if (!isPoolServer(server.labels) || server.status === "deleting") continue;
    const id = server.labels["ccc-pool-member"] ?? "";
    if (known.has(id)) continue;
    findings.push(
      await deleteServer(pass, server.id, id || null, `${server.name}: a pool server no pool member knows`),
    );
  }
  return findings;
}

async function checkMember(pass: ReconcilePass, member: PoolMember): Promise<ReconcileFinding | null> {
  const { deps, now } = pass;
  if (member.state === "installing") {
    const attempt = await withLease(deps, poolMemberLease(member.id), async () => {
      if (deps.store.pool.get(member.id)?.state !== "installing") return null;
      return removeMember(
        pass,
        member,
        `pool machine ${member.id} sits in installing with no process installing it`,
      );
    });
    return attempt.taken ? attempt.value : null;
  }
  if (member.state === "ready") {
    if (member.hetznerServerId === null || pass.serversById.has(member.hetznerServerId)) return null;
    // The listing shows labelled servers only: ask for this one before believing it gone.
    if ((await deps.cloud.getServer(member.hetznerServerId)) !== null) return null;
    const detail = `pool machine ${member.id}: its server ${member.hetznerServerId} no longer exists`;
    if (pass.options.dryRun)
      return {
        ...base(member.id, member.hetznerServerId, detail),
        action: "mark_deleted",
        outcome: "dry_run",
        error: null,
      };
    if (!deps.store.pool.removeIfReady(member.id)) return null;
    deps.store.recordEvent(member.id, { actor: "ccc", kind: "pool_member_gone", detail });
    return {
      ...base(member.id, member.hetznerServerId, detail),
      action: "mark_deleted",
      outcome: "done",
      error: null,
    };
  }
  // Claimed: a provision is handing it over under the instance's lease, or was, and stopped.
  if (now - (member.claimedAt?.getTime() ?? 0) < pass.options.graceMinutes * MINUTE) return null;
  const attempt = await withLease(deps, instanceLease(member.id), async () => {
    const instance = deps.store.get(member.id);
    const handedOver =
      instance !== null && instance.status === "ready" && instance.hetznerServerId === member.hetznerServerId;
    if (handedOver) {
      deps.store.pool.remove(member.id);
      return null;
    }
    return removeMember(pass, member, `pool machine ${member.id} was claimed but never handed over`);
  });
  return attempt.taken ? attempt.value : null;
}

async function removeMember(
  pass: ReconcilePass,
  member: PoolMember,
  detail: string,
): Promise<ReconcileFinding> {
  const { deps } = pass;
  const serverIds =
    member.hetznerServerId !== null
      ? [member.hetznerServerId]
      : [...pass.serversById.values()]
          .filter((s) => s.labels["ccc-pool-member"] === member.id)
          .map((s) => s.id);
  if (pass.options.dryRun) {
    return {
      ...base(member.id, serverIds[0] ?? null, detail),
      action: "delete_server",
      outcome: "dry_run",
      error: null,
    };
  }
  for (const id of serverIds) await deps.cloud.deleteServer(id);
  deps.store.pool.remove(member.id);
  deps.store.recordEvent(member.id, { actor: "ccc", kind: "pool_member_deleted", detail });
  deps.log.warn("broken pool machine deleted", { member: member.id, detail });
  return {
    ...base(member.id, serverIds[0] ?? null, detail),
    action: "delete_server",
    outcome: "done",
    error: null,
  };
}

async function deleteServer(
  pass: ReconcilePass,
  serverId: number,
  memberId: string | null,
  detail: string,
): Promise<ReconcileFinding> {
  const finding = base(memberId, serverId, detail);
  if (pass.options.dryRun) return { ...finding, action: "delete_server", outcome: "dry_run", error: null };
  try {
    await pass.deps.cloud.deleteServer(serverId);
    pass.deps.log.warn("pool server without a member deleted", { server: serverId });
    return { ...finding, action: "delete_server", outcome: "done", error: null };
  } catch (error) {
    return { ...finding, action: "delete_server", outcome: "failed", error: messageOf(error) };
  }
}

function base(memberId: string | null, serverId: number | null, detail: string) {
  return { kind: "pool" as const, instanceId: memberId, serverId, detail };
}
