import type { CoreDeps } from "../deps.ts";
import { withLease } from "../lifecycle/leases.ts";
import type { PoolMember } from "../store/store.ts";
import { projectFlakeHash } from "./flake-hash.ts";
import { installPoolMember, type MemberProgress } from "./install-member.ts";
import type { PoolSettings, PoolTarget } from "./pool-settings.ts";

export interface RefillSummary {
  /** Another process (or job) was refilling: nothing was done here. */
  busy: boolean;
  installed: number;
  failed: number;
  /** Members replaced for age or a changed flake, and members no target asks for any more. */
  retired: number;
}

const REFILL_LEASE = "pool-refill";
// A claim during a pass leaves a gap the pass did not plan for; a few more rounds close it, but a
// pool whose installs keep failing must not loop.
const MAX_ROUNDS = 3;
const HOUR = 3_600_000;

/**
 * One refill pass: retires ready members that are too old, built from another flake or no longer
 * asked for, then installs what each type@location lacks, at most `maxParallelInstalls` at once, and
 * waits for those installs. One pass at a time across processes.
 */
export async function refillPool(
  deps: CoreDeps,
  onProgress?: (progress: MemberProgress) => void,
): Promise<RefillSummary> {
  const settings = deps.pool;
  const attempt = await withLease(deps, REFILL_LEASE, () => refill(deps, settings, onProgress));
  return attempt.taken ? attempt.value : { busy: true, installed: 0, failed: 0, retired: 0 };
}

async function refill(
  deps: CoreDeps,
  settings: PoolSettings,
  onProgress?: (progress: MemberProgress) => void,
): Promise<RefillSummary> {
  const summary: RefillSummary = { busy: false, installed: 0, failed: 0, retired: 0 };
  const flakeHash = await projectFlakeHash(deps.paths.flakeDir);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    summary.retired += await retireOutdated(deps, settings, flakeHash);
    const slots = missing(deps.store.pool.list(), settings.targets);
    if (slots.length === 0) break;
    const results = await inParallel(slots, settings.maxParallelInstalls, (target) =>
      installPoolMember(deps, target, flakeHash, settings.maxAgeHours, onProgress),
    );
    const ok = results.filter((r) => r.kind === "ready").length;
    summary.installed += ok;
    summary.failed += results.length - ok;
    if (ok === 0) break;
  }
  if (summary.installed + summary.failed + summary.retired > 0) deps.log.info("pool refill", { ...summary });
  return summary;
}

/** Why a ready member must not be handed out any more, or null. */
export function outdatedReason(
  member: PoolMember,
  settings: PoolSettings,
  flakeHash: string,
  now: number,
): string | null {
  if (member.flakeHash !== flakeHash) return "built from another version of the project flake";
  if (now - member.createdAt.getTime() >= settings.maxAgeHours * HOUR)
    return `older than ${settings.maxAgeHours} h`;
  const wanted = settings.targets.some(
    (t) => t.serverType === member.serverType && t.location === member.location,
  );
  return wanted ? null : "no longer in CCC_POOL";
}

async function retireOutdated(deps: CoreDeps, settings: PoolSettings, flakeHash: string): Promise<number> {
  const now = deps.clock.now().getTime();
  let retired = 0;
  for (const member of deps.store.pool.list()) {
    if (member.state !== "ready") continue;
    const why = outdatedReason(member, settings, flakeHash, now);
    if (!why) continue;
    // Forgotten first, and only while still ready: a claim that took it meanwhile keeps it. A delete
    // that fails then leaves a pool server without a member, which reconcile deletes.
    if (!deps.store.pool.removeIfReady(member.id)) continue;
    deps.log.info("pool machine replaced", { member: member.id, reason: why });
    if (member.hetznerServerId !== null) await deleteQuietly(deps, member.id, member.hetznerServerId);
    retired++;
  }
  return retired;
}

async function deleteQuietly(deps: CoreDeps, id: string, serverId: number): Promise<void> {
  try {
    await deps.cloud.deleteServer(serverId);
  } catch (error) {
    deps.log.warn("could not delete a replaced pool machine; reconcile tries again", {
      member: id,
      reason: error instanceof Error ? error.message : String(error),
    });
  }
}

/** One entry per machine to install: what each target lacks, counting those ready and those installing. */
function missing(members: PoolMember[], targets: PoolTarget[]): PoolTarget[] {
  return targets.flatMap((target) => {
    const have = members.filter(
      (m) => m.serverType === target.serverType && m.location === target.location && m.state !== "claimed",
    ).length;
    return Array.from({ length: Math.max(0, target.count - have) }, () => target);
  });
}

async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      results.push(await work(item));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
