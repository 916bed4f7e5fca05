import { costOfServer } from "../billing/price.ts";
import type { Store } from "../store/store.ts";

/** What one machine cost in all, whole cents as billed. */
export interface MachineCost {
  cents: number;
  hours: number;
}

/**
 * The machine's bill from the ledger, up to its end (or `now` while it runs): across months, each
 * month capped on its own. Null for a machine the ledger does not price (recorded before it had one).
 */
export function machineCost(store: Store, instanceId: string, now: Date): MachineCost | null {
  const entry = store.ledger.get(instanceId);
  if (!entry) return null;
  if (entry.startedAt === null) return { cents: 0, hours: 0 };
  const cost = costOfServer(entry.price, entry.startedAt, entry.endedAt ?? now);
  return { cents: cost.cents, hours: cost.hours };
}
