import type { Store } from "../store/store.ts";
import type { Month } from "./month.ts";
import { type MachineMonth, monthPart } from "./month-costs.ts";

/** The key the pool's idle hours are shown under, by person and by type: the operator's, nobody's budget. */
export const POOL_IDLE_KEY = "warm pool (idle)";

/**
 * What the warm pool's machines cost in `month` up to `now` while they waited for a claim: from each
 * server's creation to its claim (the claimer is billed from there) or discard, at its price then.
 */
export function poolIdleMonths(store: Store, month: Month, now: Date): MachineMonth[] {
  if (now <= month.start) return [];
  const result: MachineMonth[] = [];
  for (const idle of store.poolIdle.overlapping(month.start, month.end)) {
    const to = idle.to === null || idle.to > now ? now : idle.to;
    if (to <= idle.from) continue;
    const part = monthPart(idle.price, idle.from, to, month);
    if (part.hours === 0) continue;
    result.push({
      instanceId: `pool:${idle.memberId}`,
      owner: POOL_IDLE_KEY,
      serverType: POOL_IDLE_KEY,
      location: idle.location,
      ...part,
      from: idle.from,
      to,
      price: idle.price,
    });
  }
  return result;
}
