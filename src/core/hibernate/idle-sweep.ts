import type { CoreDeps } from "../deps.ts";
import { SYSTEM_ACTOR } from "../instances/actor.ts";
import type { Instance } from "../instances/instance.ts";
import { DAY_MS } from "../snapshots/snapshot-policy.ts";
import { activeAt, activityReasons } from "./activity-reasons.ts";
import { type HibernateResult, hibernateMachine } from "./hibernate.ts";
import { hibernationOf, idleLimitMs } from "./idle-policy.ts";
import { releaseStaleAddresses } from "./kept-addresses.ts";

/** What one idle pass did to one machine. */
export type IdleOutcome =
  | { id: string; kind: "active"; reasons: string[]; warningWithdrawn: boolean }
  | { id: string; kind: "idle"; idleMs: number }
  | { id: string; kind: "warned"; hibernateAt: Date }
  | { id: string; kind: "hibernate"; result: HibernateResult }
  | { id: string; kind: "unanswered"; error: string }
  | { id: string; kind: "error"; error: string };

export interface IdlePassSummary {
  outcomes: IdleOutcome[];
  /** Hibernations past the operator's window, now ordinary snapshots. */
  ended: string[];
  /** Machines whose kept addresses were deleted: no wake will use them (the sleep ended, the snapshot went). */
  addressesReleased: string[];
  /** The most activity queries in flight at once during the pass. */
  peakSessions: number;
}

/**
 * The idle pass: asks every running machine what its person is doing (at most `concurrency` SSH
 * sessions at once), records the last active time, warns owners `warnMinutes` before the idle limit,
 * and hibernates machines still idle once the warning's time is up. Activity after a warning
 * withdraws it. A machine that does not answer is left alone. Also ends hibernations past `maxDays`.
 */
export async function runIdlePass(deps: CoreDeps): Promise<IdlePassSummary> {
  const settings = hibernationOf(deps);
  const summary: IdlePassSummary = { outcomes: [], ended: [], addressesReleased: [], peakSessions: 0 };
  summary.ended = await endLongSleeps(deps);
  summary.addressesReleased = await releaseStaleAddresses(deps);
  if (!deps.machine.activity) return summary;
  const machines = deps.store.list().filter((i) => i.status === "ready" && i.ipv4 && i.hostKey);
  let next = 0;
  let inFlight = 0;
  const worker = async () => {
    while (next < machines.length) {
      const instance = machines[next++] as Instance;
      inFlight++;
      summary.peakSessions = Math.max(summary.peakSessions, inFlight);
      try {
        const outcome = await checkOne(deps, instance);
        if (outcome) summary.outcomes.push(outcome);
      } catch (error) {
        deps.log.error("idle check failed", { instance: instance.id, reason: String(error) });
        summary.outcomes.push({ id: instance.id, kind: "error", error: String(error) });
      } finally {
        inFlight--;
      }
    }
  };
  const width = Math.max(1, Math.min(settings.concurrency, machines.length));
  await Promise.all(Array.from({ length: width }, worker));
  // Hibernations run after the queries, one at a time: each takes a snapshot and is not a query.
  for (const [index, outcome] of summary.outcomes.entries()) {
    if (outcome.kind !== "idle" || !dueForHibernation(deps, outcome.id)) continue;
    try {
      const result = await hibernateMachine(deps, SYSTEM_ACTOR, outcome.id, "idle");
      summary.outcomes[index] = { id: outcome.id, kind: "hibernate", result };
    } catch (error) {
      deps.log.error("hibernation failed", { instance: outcome.id, reason: String(error) });
      summary.outcomes[index] = { id: outcome.id, kind: "error", error: String(error) };
    }
  }
  return summary;
}

/** Queries one machine and records what it said; warns when the time has come. */
async function checkOne(deps: CoreDeps, instance: Instance): Promise<IdleOutcome | null> {
  const now = deps.clock.now();
  const table = deps.store.hibernation;
  const before = table.ensure(instance.id, instance.readyAt ?? instance.createdAt);
  const answer = await (deps.machine.activity as NonNullable<CoreDeps["machine"]["activity"]>)({
    instanceId: instance.id,
    host: instance.ipv4 as string,
    port: deps.timing.sshPort,
    hostKey: instance.hostKey as string,
  });
  if (answer.kind !== "ok") {
    table.unanswered(instance.id, answer.message);
    return { id: instance.id, kind: "unanswered", error: answer.message };
  }
  const reasons = activityReasons(answer.activity, before, now);
  const record = table.checked(
    instance.id,
    now,
    reasons.map((r) => r.text),
    activeAt(answer.activity, reasons, now),
  );
  if (reasons.length > 0) {
    const withdrawn = before.warnedAt !== null;
    if (withdrawn) {
      deps.store.recordEvent(instance.id, {
        actor: "ccc",
        kind: "idle_warning_withdrawn",
        detail: reasons.map((r) => r.text).join("; "),
      });
    }
    return {
      id: instance.id,
      kind: "active",
      reasons: reasons.map((r) => r.text),
      warningWithdrawn: withdrawn,
    };
  }
  const limit = idleLimitMs(deps, instance);
  const idleMs = now.getTime() - record.lastActiveAt.getTime();
  if (limit === null || record.warnedAt !== null) return { id: instance.id, kind: "idle", idleMs };
  const warnMs = hibernationOf(deps).warnMinutes * 60_000;
  if (idleMs < limit - warnMs) return { id: instance.id, kind: "idle", idleMs };
  const hibernateAt = new Date(Math.max(record.lastActiveAt.getTime() + limit, now.getTime() + warnMs));
  // Deleted at its expiry before it would sleep: nothing to save money on.
  if (hibernateAt.getTime() >= instance.expiresAt.getTime()) return { id: instance.id, kind: "idle", idleMs };
  if (!table.warn(instance.id, now)) return { id: instance.id, kind: "idle", idleMs };
  deps.store.recordEvent(instance.id, {
    actor: "ccc",
    kind: "idle_warning",
    detail: `idle since ${record.lastActiveAt.toISOString()}; hibernates at ${hibernateAt.toISOString()}`,
  });
  await deps.notifier.notify({ kind: "idle_warning", instance, hibernateAt, idleMinutes: limit / 60_000 });
  return { id: instance.id, kind: "warned", hibernateAt };
}

/** Warned long enough ago and idle past its limit. */
function dueForHibernation(deps: CoreDeps, id: string): boolean {
  const instance = deps.store.get(id);
  const record = deps.store.hibernation.activity(id);
  if (instance?.status !== "ready" || !record?.warnedAt) return false;
  const limit = idleLimitMs(deps, instance);
  if (limit === null) return false;
  const now = deps.clock.now().getTime();
  const warnMs = hibernationOf(deps).warnMinutes * 60_000;
  return now - record.lastActiveAt.getTime() >= limit && now - record.warnedAt.getTime() >= warnMs;
}

/** Sleeps past the window end: no longer wakeable; the snapshot follows the ordinary retention. */
async function endLongSleeps(deps: CoreDeps): Promise<string[]> {
  const now = deps.clock.now();
  const windowMs = hibernationOf(deps).maxDays * DAY_MS;
  const ended: string[] = [];
  for (const sleep of deps.store.hibernation.asleep()) {
    if (sleep.state !== "asleep" || now.getTime() - sleep.sleptAt.getTime() < windowMs) continue;
    if (!deps.store.hibernation.close(sleep.id, "ended", now)) continue;
    deps.store.recordEvent(sleep.instanceId, {
      actor: "ccc",
      kind: "hibernation_ended",
      detail: `asleep since ${sleep.sleptAt.toISOString()}`,
    });
    const instance = deps.store.get(sleep.instanceId);
    const snapshot = deps.store.snapshots.get(sleep.instanceId);
    if (instance && snapshot) await deps.notifier.notify({ kind: "hibernation_ended", instance, snapshot });
    ended.push(sleep.instanceId);
  }
  return ended;
}
