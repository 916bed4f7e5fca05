/**
 * One step of a long-running piece of work, as every door shows it: a DM edited in place, a CLI progress
 * line, the events of a pollable API resource, the dashboard page. Core emits these; `src/commands`
 * re-exports the type for the verbs.
 */
export interface ProgressEvent {
  /** Short and stable, for machines and for the text: `creating`, `installing`, `cloning`, `tool`. */
  step: string;
  /** Milliseconds since the work was accepted. */
  elapsedMs: number;
  /** A person's words about the step ("installing NixOS", "Edit src/login.ts"). */
  detail?: string;
}

/** Where core sends its progress: a door's callback, or the adapter that turns them into a stream. */
export type Emit<E extends ProgressEvent = ProgressEvent> = (event: E) => void;

/**
 * The adapter between core's `emit` and a long-running verb's event stream (`Started.work`): runs
 * `work`, yields each event it emits in order, and ends with its result (or throws its error). The
 * work runs to its end even when the reader stops early.
 */
export async function* progressStream<E extends ProgressEvent, R>(
  work: (emit: Emit<E>) => Promise<R>,
): AsyncGenerator<E, R, undefined> {
  const queue: E[] = [];
  let wake: (() => void) | null = null;
  let done = false;
  const finished = work((event) => {
    queue.push(event);
    wake?.();
  }).finally(() => {
    done = true;
    wake?.();
  });
  // Read below; until then a failure must not count as unhandled.
  finished.catch(() => {});
  for (;;) {
    while (queue.length > 0) yield queue.shift() as E;
    if (done) return await finished;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = null;
  }
}
