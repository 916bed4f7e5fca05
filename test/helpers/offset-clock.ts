import { systemClock } from "../../src/adapters/system-clock.ts";
import type { Clock } from "../../src/core/ports/clock.ts";

/** Real time, plus what a test has skipped ahead: for jumps past a short window while timers stay real. */
export class OffsetClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }
}
