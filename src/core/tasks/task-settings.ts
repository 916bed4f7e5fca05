// The operator's settings for tasks (issue 22): on or off, the caps, and how often ccc reads a task's stream.

export interface TaskSettings {
  /** `CCC_TASKS`: false turns tasks off in every door. */
  enabled: boolean;
  /** `CCC_TASK_MAX_TURNS`: the default and the most a task may ask for. */
  maxTurns: number;
  /** `CCC_TASK_MAX_MINUTES`: the default and the most a task may ask for. */
  maxMinutes: number;
  /** `CCC_MAX_CONCURRENT_TASKS_PER_USER`. */
  maxConcurrentPerUser: number;
  /** `CCC_TASK_EUR_PER_USD`: Claude Code reports its cost in US dollars; budgets are in euros. */
  eurPerUsd: number;
  /** How often the event stream is read while a task runs (a channel that cannot wait on the machine). */
  pollMs: number;
  /**
   * How long one read waits on the machine for news (a long poll: a line is with ccc within ~50 ms of
   * Claude Code writing it, instead of up to one poll interval later). Short enough for the budget check.
   */
  readWaitMs: number;
  /** How long a follower's hold on a task lasts unrenewed: a crashed bot's tasks are followed again after it. */
  followLeaseMs: number;
  /** `CCC_TASK_GRACE_MINUTES`: an unkept machine lives this long after its task's result (0: deleted at once). */
  graceMinutes: number;
}

export const DEFAULT_TASK_SETTINGS: TaskSettings = {
  enabled: true,
  maxTurns: 50,
  maxMinutes: 60,
  maxConcurrentPerUser: 2,
  eurPerUsd: 0.86,
  pollMs: 500,
  readWaitMs: 5_000,
  followLeaseMs: 20_000,
  graceMinutes: 10,
};
