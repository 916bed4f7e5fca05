/** Labels on every ccc server: how the reconciler finds them even without the database. */
export function serverLabels(instanceId: string, expiresAt: Date): Record<string, string> {
  return {
    "managed-by": "ccc",
    "ccc-instance": instanceId,
    "ccc-expires-at": String(Math.floor(expiresAt.getTime() / 1000)),
  };
}

export const MANAGED_SELECTOR = "managed-by=ccc";
