import type { Clock } from "../core/ports/clock.ts";
import { progressStream as emittedStream, type ProgressEvent } from "../core/progress.ts";

export type { ProgressEvent } from "../core/progress.ts";

/** The step a door shows before the work's first event: the request is accepted, nothing done yet. */
export const ACCEPTED_STEP = "accepted";

/**
 * What a long-running verb's `start` returns: the answer a door gives at once (within Slack's 3 s),
 * and the work still to do, as a typed stream of progress events that ends with the verb's result
 * (or throws the verb's refusal or failure).
 */
export interface Started<A, R> {
  accepted: A;
  work: AsyncIterable<ProgressEvent, R>;
}

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
    [Symbol.asyncIterator]: () =>
      emittedStream<ProgressEvent, R>((emit) =>
        body((event) => emit({ ...event, elapsedMs: clock.now().getTime() - since })),
      ),
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
