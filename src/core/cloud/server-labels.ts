/** A Hetzner label value: at most 63 characters, letters and digits at both ends, `-_.` between. */
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

/**
 * Labels on every ccc server: how the reconciler finds them, and adopts them, even without the database.
 * The owner is left out when Hetzner would refuse it as a label value (an operator name with spaces).
 */
export function serverLabels(
  instance: { id: string; owner: string; expiresAt: Date },
  expiresAt: Date = instance.expiresAt,
): Record<string, string> {
  return {
    "managed-by": "ccc",
    "ccc-instance": instance.id,
    "ccc-expires-at": String(Math.floor(expiresAt.getTime() / 1000)),
    ...(LABEL_VALUE.test(instance.owner) ? { "ccc-owner": instance.owner } : {}),
  };
}

export const MANAGED_SELECTOR = "managed-by=ccc";
