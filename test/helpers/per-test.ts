// One fresh world per test (a harness, a bot), started before it and closed after it even when the
// after-test check fails, so a failing test leaves no servers behind for the next one.
import { afterEach, beforeEach } from "vitest";

/**
 * Starts `start()` before each test; after it runs `check` then closes. Returns a stand-in that reads
 * through to the current test's value, so a test file keeps writing `b.slack`, `h.env` at the top level.
 */
export function perTest<T extends { close(): Promise<void> }>(
  start: () => Promise<T>,
  check: (current: T) => void,
): T {
  let current: T | undefined;
  beforeEach(async () => {
    current = await start();
  });
  afterEach(async () => {
    const done = current;
    current = undefined;
    if (!done) return;
    try {
      check(done);
    } finally {
      await done.close();
    }
  });
  return new Proxy({} as T, {
    get(_, key) {
      if (!current) throw new Error(`read .${String(key)} outside a test: it exists only while one runs`);
      const value = Reflect.get(current, key);
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
}
