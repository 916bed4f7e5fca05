/** The operator's hibernation rules (`CCC_IDLE_HIBERNATE_MINUTES`, `CCC_HIBERNATE_MAX_DAYS`, …). */
export interface HibernationSettings {
  /** Minutes without activity before a machine hibernates; 0 turns hibernation off for everyone. */
  idleMinutes: number;
  /** The owner is warned this many minutes before (with Keep running and Hibernate now). */
  warnMinutes: number;
  /** Days a hibernated machine can be woken with its expiry paused; then its snapshot is an ordinary one. */
  maxDays: number;
  /** The longest idle limit a person or machine may choose (minutes); null: any, `never` included. */
  maxIdleMinutes: number | null;
  /** SSH sessions at once in one idle pass. */
  concurrency: number;
}

export const DEFAULT_HIBERNATION: HibernationSettings = {
  idleMinutes: 30,
  warnMinutes: 5,
  maxDays: 7,
  maxIdleMinutes: null,
  concurrency: 16,
};
