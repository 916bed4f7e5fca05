import type { Clock } from "../ports/clock.ts";
import { type Metrics, metricsOf } from "../ports/metrics.ts";
import type { ProvisionStep } from "./provision-failure.ts";

/**
 * Times each provision step from its report to the next report, so the histogram sees every step
 * that finished; `ready` ends the last one. A step cut short by a failure is not observed.
 */
export function stepTimer(deps: {
  clock: Clock;
  metrics?: Metrics | undefined;
}): (step: ProvisionStep) => void {
  const metrics = metricsOf(deps);
  let current: { step: ProvisionStep; since: number } | null = null;
  return (step) => {
    const now = deps.clock.now().getTime();
    if (current) metrics.provisionStep(current.step, (now - current.since) / 1000);
    current = step === "ready" ? null : { step, since: now };
  };
}
