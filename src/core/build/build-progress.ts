import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";
import type { Emit, ProgressEvent } from "../progress.ts";
import type { ProvisionStep } from "../provision/provision-failure.ts";
import { stepTimer } from "../provision/provision-metrics.ts";

/** A build's progress event: a `ProgressEvent` whose step is a build step, with the instance as it is. */
export interface BuildEvent extends ProgressEvent {
  step: ProvisionStep;
  instance: Instance;
}

/** Says how far the build got: each step as it starts, and the last one for a failure. */
export interface Report {
  (step: ProvisionStep, instance: Instance, detail?: string): void;
  readonly step: ProvisionStep;
}

/** A reporter that times each step (metrics) and emits it with the time since `started`. */
export function reporter(
  deps: CoreDeps,
  emit: Emit<BuildEvent>,
  first: ProvisionStep = "creating_server",
  started = deps.clock.now().getTime(),
): Report {
  const timeStep = stepTimer(deps);
  let current = first;
  let timed: ProvisionStep | null = null;
  const report = (step: ProvisionStep, instance: Instance, detail?: string) => {
    // A step's later events (the clone's progress) do not restart its timer.
    if (step !== timed) timeStep(step);
    timed = step;
    current = step;
    emit({
      step,
      instance,
      elapsedMs: deps.clock.now().getTime() - started,
      ...(detail !== undefined ? { detail } : {}),
    });
  };
  return Object.defineProperty(report, "step", { get: () => current }) as Report;
}
