export interface RetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface PollOptions {
  initialMs: number;
  factor: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 60_000 };
export const DEFAULT_POLL: PollOptions = { initialMs: 500, factor: 1.5, maxMs: 2500 };

/**
 * Wait before retry number `attempt` (0-based): base×2^attempt capped at max, jittered like hcloud-go,
 * uniformly between base and that value, so many clients hit by one rate limit spread out but none
 * comes back sooner than base. `random` returns [0, 1]; 1 gives the un-jittered schedule.
 */
export function backoffDelay(attempt: number, opts: RetryOptions, random: () => number): number {
  const capped = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt);
  const base = Math.min(opts.baseDelayMs, capped);
  return Math.round(base + (capped - base) * random());
}

/** Wait before poll number `attempt` (0-based): initial×factor^attempt capped at max. */
export function pollDelay(attempt: number, opts: PollOptions): number {
  return Math.round(Math.min(opts.maxMs, opts.initialMs * opts.factor ** attempt));
}
