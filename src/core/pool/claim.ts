import type { CoreDeps } from "../deps.ts";
import { type Instance, newInstanceId } from "../instances/instance.ts";
import type { EventNote, NewInstance } from "../store/store.ts";
import { projectFlakeHash } from "./flake-hash.ts";
import { withPoolOutcome } from "./pool-outcome.ts";

const HOUR = 3_600_000;

/**
 * Records a provision request, under the id of a ready pool machine of the asked type and location
 * when there is one (claimed in one SQLite statement, so two requests never get the same machine),
 * else under a fresh id. A request the store refuses (the quota) gives its machine back.
 */
export async function recordRequest(
  deps: CoreDeps,
  instance: Omit<NewInstance, "id">,
  note: EventNote,
  maxLivePerOwner: number,
  price?: Parameters<CoreDeps["store"]["add"]>[3],
  /** Checked again inside the write that records it (the budget, the hourly limit). */
  check?: () => void,
): Promise<Instance> {
  const member = deps.pool?.targets.length ? await claimMember(deps, instance) : null;
  if (!member) {
    return deps.store.add({ id: newInstanceId(), ...instance }, note, maxLivePerOwner, price, check);
  }
  try {
    const recorded = deps.store.add({ id: member, ...instance }, note, maxLivePerOwner, price, check);
    return withPoolOutcome(recorded, "claimed");
  } catch (error) {
    deps.store.pool.unclaim(member);
    throw error;
  }
}

async function claimMember(deps: CoreDeps, wanted: { serverType: string; location: string }) {
  const now = deps.clock.now();
  const maxAgeHours = deps.pool?.maxAgeHours ?? 24;
  const member = deps.store.pool.claim({
    serverType: wanted.serverType,
    location: wanted.location,
    flakeHash: await projectFlakeHash(deps.paths.flakeDir),
    bornAfter: new Date(now.getTime() - maxAgeHours * HOUR),
    at: now,
  });
  return member?.id ?? null;
}
