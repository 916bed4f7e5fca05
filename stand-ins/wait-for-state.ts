/**
 * Checks `check` every 10 ms until it gives a value, for state a fake fills in as requests arrive;
 * past `timeoutMs` it fails naming `what` it waited for.
 */
export async function waitForState<T>(
  check: () => T | undefined | null | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
