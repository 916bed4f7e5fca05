import { serverLabels } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import { ExternalError } from "../errors.ts";
import { isGoingAway } from "./instance.ts";

/** Label writes one sync may make; each extra one means another extend landed meanwhile. */
const MAX_WRITES = 10;

/**
 * Makes the server's `ccc-expires-at` label say what the store says. `written` is the deadline this
 * process last put on the label (null when unknown). After each write the store is read again: the
 * process whose write lands last always looks afterwards, sees any newer deadline and writes again,
 * so extends racing in any number of processes end with the label equal to the store.
 */
export async function syncExpiryLabel(
  deps: Pick<CoreDeps, "store" | "cloud">,
  instanceId: string,
  serverId: number,
  written: Date | null,
): Promise<void> {
  let last = written;
  for (let writes = 0; ; writes++) {
    const current = deps.store.require(instanceId);
    // Deleted or failed meanwhile: its server is going away, and with it the label.
    if (isGoingAway(current.status) || current.status === "failed") return;
    if (last !== null && last.getTime() === current.expiresAt.getTime()) return;
    if (writes >= MAX_WRITES) {
      throw new ExternalError(
        "hetzner",
        "label_behind",
        `${instanceId}'s expiry label kept changing under ccc; it may lag the store until the next extend.`,
      );
    }
    await deps.cloud.setServerLabels(serverId, serverLabels(current));
    last = current.expiresAt;
  }
}

/** The deadline a server's labels name, or null when they name none. */
export function labelledExpiry(labels: Record<string, string>): Date | null {
  const seconds = Number(labels["ccc-expires-at"]);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : null;
}
