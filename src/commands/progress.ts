import type { Clock } from "../core/clock.ts";
import type { ProgressEvent } from "./command.ts";

/** What a verb's work says as it goes: a step and, maybe, words about it (elapsed time is added). */
export type Emit = (event: Omit<ProgressEvent, "elapsedMs">) => void;

/**
 * The work of a long-running verb as the typed stream every door reads: `body` runs once the stream
 * is first read, each `emit` becomes an event (elapsed since `since`, the moment the request was
 * accepted), and the stream ends with the body's result or throws its error. Core reports steps
 * through a function; this is the one place that turns it into the stream.
 */
export function progressStream<R>(
  clock: Clock,
  body: (emit: Emit) => Promise<R>,
  since = clock.now().getTime(),
): AsyncIterable<ProgressEvent, R> {
  return {
    async *[Symbol.asyncIterator]() {
      const queue: ProgressEvent[] = [];
      let wake: (() => void) | null = null;
      const state: { end: { ok: true; value: R } | { ok: false; error: unknown } | null } = { end: null };
      const emit: Emit = (event) => {
        queue.push({ ...event, elapsedMs: clock.now().getTime() - since });
        wake?.();
      };
      body(emit).then(
        (value) => {
          state.end = { ok: true, value };
          wake?.();
        },
        (error: unknown) => {
          state.end = { ok: false, error };
          wake?.();
        },
      );
      for (;;) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        const settled = state.end;
        if (settled) {
          if (!settled.ok) throw settled.error;
          return settled.value;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    },
  };
}

/** Reads a verb's work to its end, handing each event to `onEvent`: the result, or the work's error. */
export async function drain<R>(
  work: AsyncIterable<ProgressEvent, R>,
  onEvent: (event: ProgressEvent) => void = () => {},
): Promise<R> {
  const iterator = work[Symbol.asyncIterator]();
  for (;;) {
    const next = await iterator.next();
    if (next.done) return next.value;
    onEvent(next.value);
  }
}

/** A stream whose work is already done: a verb that sometimes has nothing left to do. */
export function finished<R>(value: R): AsyncIterable<ProgressEvent, R> {
  return {
    // biome-ignore lint/correctness/useYield: nothing to report; the value is the stream's end.
    async *[Symbol.asyncIterator]() {
      return value;
    },
  };
}
