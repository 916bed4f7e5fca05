import type { ProgressEvent } from "./command.ts";

/**
 * Runs `work` at once and hands its progress out as an async stream that ends with its result (or throws
 * its error): a door that reads slowly, or stops reading, never holds the work up. Events are buffered.
 */
export function progressStream<R>(
  work: (emit: (event: ProgressEvent) => void) => Promise<R>,
): AsyncIterable<ProgressEvent, R> {
  const queue: ProgressEvent[] = [];
  let wake: (() => void) | null = null;
  let outcome: { ok: true; value: R } | { ok: false; error: unknown } | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  work((event) => {
    queue.push(event);
    poke();
  }).then(
    (value) => {
      outcome = { ok: true, value };
      poke();
    },
    (error: unknown) => {
      outcome = { ok: false, error };
      poke();
    },
  );
  return {
    [Symbol.asyncIterator]() {
      return {
        async next(): Promise<IteratorResult<ProgressEvent, R>> {
          for (;;) {
            const event = queue.shift();
            if (event) return { done: false, value: event };
            const ended = outcome as typeof outcome;
            if (ended) {
              if (!ended.ok) throw ended.error;
              return { done: true, value: ended.value };
            }
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        },
      };
    },
  };
}
