import { SYSTEM_ACTOR } from "./actor.ts";
import { deprovision } from "./deprovision.ts";
import type { CoreDeps } from "./deps.ts";
import type { Instance } from "./instance.ts";

export interface SweepOutcome {
  instance: Instance;
  /** `null` when the delete worked. */
  error: string | null;
}

/** Deletes every instance past its expiry (or stuck in `deleting`); one failure never stops the rest. */
export async function checkExpired(deps: CoreDeps): Promise<SweepOutcome[]> {
  const outcomes: SweepOutcome[] = [];
  for (const due of deps.store.getExpired(deps.clock.now())) {
    try {
      const { instance } = await deprovision(deps, SYSTEM_ACTOR, due.id, "expired");
      outcomes.push({ instance, error: null });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.log.error("expiry delete failed", { instance: due.id, reason: message });
      outcomes.push({ instance: deps.store.get(due.id) ?? due, error: message });
    }
  }
  return outcomes;
}
