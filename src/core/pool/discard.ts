import type { CoreDeps } from "../deps.ts";

/** Held while a pool machine is being installed, so reconcile leaves it alone. */
export const poolMemberLease = (memberId: string) => `pool-member:${memberId}`;

/**
 * Deletes a pool machine's server (by id, or else by its label) and forgets the member. A delete that
 * fails leaves the row for reconcile to try again; answers whether the member is gone.
 */
export async function discardPoolMachine(
  deps: CoreDeps,
  id: string,
  serverId: number | null,
): Promise<boolean> {
  try {
    const ids = serverId
      ? [serverId]
      : (await deps.cloud.listServers(`ccc-pool-member=${id}`))
          .filter((s) => s.status !== "deleting")
          .map((s) => s.id);
    for (const sid of ids) await deps.cloud.deleteServer(sid);
    deps.store.pool.remove(id);
    return true;
  } catch (error) {
    deps.log.error("could not delete a pool machine; reconcile tries again", {
      member: id,
      reason: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
}
