import cron from "node-cron";

/** A running schedule; `stop` ends it (no tick comes after it resolves). */
export interface Ticking {
  stop(): Promise<void> | void;
}

/** Where the scheduler's ticks come from: node-cron in production, a fake clock in tests. */
export interface TickSource {
  /** True when `expression` is a cron expression this source can schedule. */
  validate(expression: string): boolean;
  /** Calls `tick` at every time `expression` names, until stopped. */
  schedule(expression: string, tick: () => void, options: { name: string; timezone?: string }): Ticking;
}

/** Real time, through node-cron (five fields, or six with seconds). */
export const cronTicks: TickSource = {
  validate: (expression) => cron.validate(expression),
  schedule: (expression, tick, { name, timezone }) => {
    const task = cron.schedule(expression, () => tick(), { name, ...(timezone ? { timezone } : {}) });
    return { stop: () => task.destroy() };
  },
};
