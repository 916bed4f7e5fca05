import type { CoreDeps } from "../deps.ts";
import { machinePushLease, type PushOutcome, pushNow } from "../machine/push-state.ts";
import { withLease } from "./leases.ts";

/** One due push the sweep tried. */
export interface PushRetry {
  instanceId: string;
  outcome: PushOutcome;
}

/**
 * Tries every extend its machine has not heard of yet and whose retry is due. A push another holder
 * is making is left to it; a machine no longer live (or never reachable safely) drops its push.
 */
export async function retryMachinePushes(deps: CoreDeps): Promise<PushRetry[]> {
  const tried: PushRetry[] = [];
  for (const id of deps.store.machinePushes.due(deps.clock.now().getTime())) {
    const attempt = await withLease(deps, machinePushLease(id), () => pushNow(deps, id));
    if (attempt.taken) tried.push({ instanceId: id, outcome: attempt.value });
  }
  return tried;
}
