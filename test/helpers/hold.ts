/** Calls to one method, held before they start until the test lets them go. */
export interface HeldCalls {
  /** Resolves when the first call has arrived. */
  readonly reached: Promise<void>;
  /** What each call so far returned to its caller, in order. */
  readonly calls: Promise<unknown>[];
  /** Lets every held call, and every later one, go on to the real method. */
  release(): void;
}

/**
 * Replaces `target[method]` with a wrapper that waits for `release()` before calling the real
 * method (at once with `{ held: false }`), so a test can act while a call is known to be on its
 * way, and wait for its outcome, without guessing at delays.
 */
export function holdCalls<T extends object, K extends keyof T>(
  target: T,
  method: K,
  options: { held?: boolean } = {},
): HeldCalls {
  const original = target[method] as (...args: unknown[]) => Promise<unknown>;
  let arrived!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  if (options.held === false) open();
  const calls: Promise<unknown>[] = [];
  (target as Record<K, unknown>)[method] = (...args: unknown[]) => {
    const call = opened.then(() => original.apply(target, args));
    calls.push(call);
    arrived();
    return call;
  };
  return { reached, calls, release: () => open() };
}
