import { runBillingJob } from "../core/billing-sync/billing-job.ts";
import type { CoreDeps } from "../core/deps.ts";
import { runIdlePass } from "../core/hibernate/idle-sweep.ts";
import { runReconcile } from "../core/lifecycle/reconcile.ts";
import { runReminders } from "../core/lifecycle/reminders.ts";
import { runSweep } from "../core/lifecycle/sweep.ts";
import { refillPool } from "../core/pool/refill.ts";
import { metricsOf } from "../core/ports/metrics.ts";
import { followUnfollowedTasks } from "../core/tasks/resume-tasks.ts";
import { countReconcile, countReminders, countSweep } from "./job-metrics.ts";
import type { Ticking, TickSource } from "./ticks.ts";

/** The lifecycle jobs' schedule and rules (see `lifecycleSettings` for reading them from the environment). */
export interface LifecycleSettings {
  /** Expiry sweep and reminder pass (node-cron syntax; six fields for seconds). */
  sweepCron: string;
  reconcileCron: string;
  /** Minutes before expiry at which owners are reminded. */
  remindMinutes: readonly number[];
  orphanGraceMinutes: number;
  timezone?: string;
  /** The idle pass (hibernation); none when left out. */
  idleCron?: string;
}

export type JobName = "sweep" | "remind" | "reconcile" | "billing" | "idle";

/** The running jobs of one process. */
export interface Scheduler {
  /** Runs a job now unless it is already running (then waits for that run). */
  run(job: JobName): Promise<void>;
  /** Resolves when no job is running. */
  idle(): Promise<void>;
  /** Stops the schedule and waits for running jobs to finish. */
  stop(): Promise<void>;
}

/**
 * Schedules the sweep, the reminder pass and the reconciler on `ticks` (`cronTicks` in production),
 * and reconciles once at start. A job still running when its next tick comes skips that tick; across
 * processes the leases in SQLite keep two schedulers off one instance. Job failures are logged, never
 * thrown.
 */
export function startScheduler(deps: CoreDeps, settings: LifecycleSettings, ticks: TickSource): Scheduler {
  const invalid = [
    settings.sweepCron,
    settings.reconcileCron,
    ...(settings.idleCron ? [settings.idleCron] : []),
  ].filter((e) => !ticks.validate(e));
  if (invalid.length > 0) throw new Error(`Not a cron expression: ${invalid.join(", ")}`);
  const jobs: Record<JobName, () => Promise<unknown>> = {
    sweep: async () => {
      const { outcomes } = await runSweep(deps);
      countSweep(metricsOf(deps), outcomes);
      if (outcomes.length > 0) {
        const failed = outcomes.filter((o) => o.error).length;
        deps.log.info("expiry sweep", { deleted: outcomes.length - failed, failed });
      }
    },
    remind: async () => {
      const { reminders } = await runReminders(deps, settings.remindMinutes);
      countReminders(metricsOf(deps), reminders);
      if (reminders.length > 0) deps.log.info("reminders", { sent: reminders.length });
    },
    idle: async () => {
      const { outcomes, ended, peakSessions } = await runIdlePass(deps);
      const count = (kind: string) => outcomes.filter((o) => o.kind === kind).length;
      if (count("warned") + count("hibernate") + ended.length > 0) {
        deps.log.info("idle pass", {
          checked: outcomes.length,
          warned: count("warned"),
          hibernated: count("hibernate"),
          ended: ended.length,
          peakSessions,
        });
      }
    },
    // Decides on each tick whether a sync is due (hourly, after a deletion, after a backoff).
    billing: () => runBillingJob(deps),
    reconcile: async () => {
      const { findings } = await runReconcile(deps, {
        graceMinutes: settings.orphanGraceMinutes,
        background: (label, work) => {
          const task = work().catch((error: unknown) =>
            deps.log.error("background work failed", { work: label, reason: String(error) }),
          );
          background.add(task);
          void task.finally(() => background.delete(task));
        },
      });
      countReconcile(metricsOf(deps), findings);
      for (const f of findings.filter((f) => f.outcome !== "waiting")) {
        deps.log.warn("reconcile", { ...f });
      }
    },
  };
  const running = new Map<JobName, Promise<void>>();
  // Resumed provisions, which outlive the reconcile pass that started them.
  const background = new Set<Promise<unknown>>();
  const run = (job: JobName): Promise<void> => {
    const current = running.get(job);
    if (current) {
      deps.log.info("job still running; tick skipped", { job });
      return current;
    }
    const started = jobs[job]()
      .then(
        () => undefined,
        (error: unknown) => deps.log.error("job failed", { job, reason: String(error) }),
      )
      .finally(() => running.delete(job));
    running.set(job, started);
    return started;
  };
  const refill = poolRefiller(deps);
  // Tasks nobody follows (started by the CLI without --wait, or followed by a bot that stopped): taken up
  // at start and on every sweep tick, each from its last recorded line; a stop ends the following only.
  const taskFollowing = new AbortController();
  const followTasks = () => void followUnfollowedTasks(deps, undefined, taskFollowing.signal);
  const options = { ...(settings.timezone ? { timezone: settings.timezone } : {}) };
  const tasks: Ticking[] = [
    ticks.schedule(settings.sweepCron, () => void run("sweep"), { ...options, name: "ccc-sweep" }),
    ticks.schedule(settings.sweepCron, () => void run("remind"), { ...options, name: "ccc-remind" }),
    ...(deps.billing
      ? [ticks.schedule(settings.sweepCron, () => void run("billing"), { ...options, name: "ccc-billing" })]
      : []),
    ticks.schedule(settings.sweepCron, refill, { ...options, name: "ccc-pool" }),
    ticks.schedule(settings.sweepCron, followTasks, { ...options, name: "ccc-tasks" }),
    ...(settings.idleCron
      ? [ticks.schedule(settings.idleCron, () => void run("idle"), { ...options, name: "ccc-idle" })]
      : []),
    ticks.schedule(settings.reconcileCron, () => void run("reconcile"), {
      ...options,
      name: "ccc-reconcile",
    }),
  ];
  void run("reconcile");
  followTasks();
  const idle = async () => {
    while (running.size > 0 || background.size > 0) {
      await Promise.all([...running.values(), ...background]);
    }
  };
  return {
    run,
    idle,
    stop: async () => {
      taskFollowing.abort();
      for (const task of tasks) await task.stop();
      await idle();
    },
  };
}

/**
 * The warm pool's refill, on the sweep's tick and after each claim. Not one of the jobs `stop` waits
 * for: a pass waits for installs of many minutes, and one cut short by a stop is deleted by the next
 * reconcile.
 */
function poolRefiller(deps: CoreDeps): () => void {
  let running = false;
  const refill = () => {
    // Without a pool there is nothing to keep; members left from an earlier CCC_POOL are still retired.
    if (running || (!deps.pool.targets.length && deps.store.pool.list().length === 0)) return;
    running = true;
    void refillPool(deps)
      .catch((error: unknown) => deps.log.error("job failed", { job: "pool", reason: String(error) }))
      .finally(() => {
        running = false;
      });
  };
  deps.refillPoolSoon ??= refill;
  return refill;
}
