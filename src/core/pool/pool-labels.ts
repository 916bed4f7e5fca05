/** Labels of a pool machine: managed by ccc (so reconcile sees it) but no instance's, so no user's. */
export function poolServerLabels(memberId: string, expiresAt: Date): Record<string, string> {
  return {
    "managed-by": "ccc",
    "ccc-pool": "true",
    "ccc-pool-member": memberId,
    "ccc-expires-at": String(Math.floor(expiresAt.getTime() / 1000)),
  };
}

export const isPoolServer = (labels: Record<string, string>): boolean => labels["ccc-pool"] === "true";

/** The Hetzner name of an unclaimed machine; the claim renames it to the instance id. */
export const poolServerName = (memberId: string): string => `pool-${memberId}`;

const HOUR = 3_600_000;

/** When an unclaimed machine is past use: its maximum age, plus an hour for the refill to replace it. */
export function poolExpiry(createdAt: Date, maxAgeHours: number): Date {
  return new Date(createdAt.getTime() + maxAgeHours * HOUR + HOUR);
}
