/**
 * A token bucket per key: `perMinute` requests at once, refilled evenly over the minute. Kept in
 * memory: the bot is one process, and a restart forgiving a minute's count is harmless.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** 0 when the request may go ahead (and is counted); else the seconds until one may. */
  take(key: string): number {
    const now = this.now();
    if (this.buckets.size >= MAX_KEYS) this.forgetFull(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000));
  }

  /** A bucket that has refilled is the same as none: many addresses must not grow the map for ever. */
  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.perMinute) this.buckets.delete(key);
    }
  }
}

const MAX_KEYS = 10_000;
