/** The only source of time in core: tests pass a fake, entry points pass `systemClock`. */
export interface Clock {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
