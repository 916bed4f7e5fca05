import type { Instance } from "../instances/instance.ts";

/**
 * How the pool took part in a provision, carried beside the instance for the messages only (never
 * stored): `claimed` while a pool machine is being handed over, `hit` when it was, `fallback` when
 * the handover failed and a fresh install took its place.
 */
export type PoolOutcome = "claimed" | "hit" | "fallback";

const OUTCOME = Symbol("pool outcome");
type Tagged = Instance & { [OUTCOME]?: PoolOutcome };

export function withPoolOutcome(instance: Instance, outcome: PoolOutcome): Instance {
  return Object.assign({ ...instance }, { [OUTCOME]: outcome });
}

export function poolOutcomeOf(instance: Instance): PoolOutcome | undefined {
  return (instance as Tagged)[OUTCOME];
}
