import type { z } from "zod";
import type { lifecycleEnvSchema } from "../config.ts";
import type { LifecycleSettings } from "./scheduler.ts";

/** The scheduler's settings from the parsed environment (CCC_SWEEP_CRON and friends). */
export function lifecycleSettings(env: z.infer<typeof lifecycleEnvSchema>): LifecycleSettings {
  return {
    sweepCron: env.CCC_SWEEP_CRON,
    reconcileCron: env.CCC_RECONCILE_CRON,
    remindMinutes: env.CCC_REMIND_MINUTES,
    orphanGraceMinutes: env.CCC_ORPHAN_GRACE_MINUTES,
  };
}
