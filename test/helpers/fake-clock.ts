import type { Clock } from "../../src/core/ports/clock.ts";

interface Sleeper {
  at: number;
  resolve: () => void;
}

/** A clock that moves only when a test says so; `sleep` resolves when `advance`/`set` pass its end. */
export class FakeClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];
  private readonly watchers = new Set<(from: number, to: number) => void>();

  constructor(start: Date | number = Date.now()) {
    this.current = typeof start === "number" ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | number): void {
    const from = this.current;
    this.current = typeof at === "number" ? at : at.getTime();
    this.wake();
    for (const watcher of this.watchers) watcher(from, this.current);
  }

  /** Calls `watcher` with every move of the clock (epoch ms before and after); returns how to stop. */
  watch(watcher: (from: number, to: number) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  advance(ms: number): void {
    this.set(this.current + ms);
  }

  /** Sleeps not yet over (e.g. lease renewals, retry waits). */
  pending(): number {
    return this.sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const sleeper: Sleeper = {
        at: this.current + ms,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.sleepers.push(sleeper);
      if (ms <= 0) this.wake();
    });
  }

  private wake(): void {
    const due = this.sleepers.filter((s) => s.at <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.at > this.current);
    for (const s of due) s.resolve();
  }
}
