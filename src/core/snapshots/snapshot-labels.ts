import type { Instance } from "../instances/instance.ts";

/** Images ccc made: how the reconciler finds them even without the database. */
export const SNAPSHOT_SELECTOR = "managed-by=ccc";

/**
 * Labels on every snapshot ccc takes. `ccc-expires-at` is the end of retention, so an image the
 * store lost is still deleted when it would have been.
 */
export function snapshotLabels(instance: Instance, expiresAt: Date): Record<string, string> {
  return {
    "managed-by": "ccc",
    "ccc-owner": labelValue(instance.owner),
    "ccc-instance": instance.id,
    "ccc-expires-at": String(Math.floor(expiresAt.getTime() / 1000)),
  };
}

/** Hetzner's label values: at most 63 letters, digits, `-`, `_` and `.`, starting and ending alphanumeric. */
function labelValue(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "") || "unknown";
}
