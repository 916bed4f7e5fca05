import { buildMachine } from "../build/build-machine.ts";
import type { BuildEvent } from "../build/build-progress.ts";
import { provisionSource } from "../build/build-source.ts";
import type { CoreDeps } from "../deps.ts";
import type { Instance } from "../instances/instance.ts";
import type { Emit } from "../progress.ts";

/** A provision's progress: the build pipeline's event (see src/core/build). */
export type ProvisionProgress = BuildEvent;

export { failBuild as failProvision } from "../build/fail-build.ts";
export type { ProvisionStep } from "./provision-failure.ts";

/**
 * Turns a recorded `creating` instance into a ready machine, its workspace prepared: from the pool
 * machine claimed for it, else by a fresh install (src/core/build/build-machine.ts has the rules).
 */
export function runProvision(
  deps: CoreDeps,
  recorded: Instance,
  onProgress: Emit<ProvisionProgress> = () => {},
): Promise<Instance> {
  return buildMachine(deps, recorded, provisionSource(deps, recorded), onProgress);
}
