/** The operator's rules for snapshots (`CCC_SNAPSHOT_RETENTION_DAYS`, `CCC_MAX_SNAPSHOTS_PER_USER`). */
export interface SnapshotPolicy {
  /** Days a snapshot is kept after it is made, and what "Keep" adds. */
  retentionDays: number;
  /** Snapshots one person may hold (being made or made). */
  maxPerUser: number;
}

export const DEFAULT_SNAPSHOT_POLICY: SnapshotPolicy = { retentionDays: 7, maxPerUser: 3 };

export const DAY_MS = 86_400_000;

/** The owner is reminded this long before a snapshot is deleted. */
export const SNAPSHOT_REMINDER_MS = DAY_MS;
