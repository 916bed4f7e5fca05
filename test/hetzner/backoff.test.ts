import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_POLL, DEFAULT_RETRY, pollDelay } from "../../src/adapters/hetzner/backoff.ts";

describe("backoffDelay with the default options", () => {
  it("doubles from one second and stops at sixty", () => {
    const schedule = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, DEFAULT_RETRY, () => 1));
    expect(schedule).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });

  it("jitters between the base delay and the exponential one", () => {
    expect(backoffDelay(3, DEFAULT_RETRY, () => 0)).toBe(1000);
    expect(backoffDelay(3, DEFAULT_RETRY, () => 0.5)).toBe(4500);
    expect(backoffDelay(20, DEFAULT_RETRY, () => 0.5)).toBe(30500);
    for (let n = 0; n < 10; n++) {
      const delay = backoffDelay(n, DEFAULT_RETRY, Math.random);
      expect(delay).toBeGreaterThanOrEqual(1000);
      expect(delay).toBeLessThanOrEqual(Math.min(60000, 1000 * 2 ** n));
    }
  });
});

describe("pollDelay with the default options", () => {
  it("starts at 500 ms and grows by half up to 2.5 s", () => {
    const schedule = [0, 1, 2, 3, 4, 5].map((n) => pollDelay(n, DEFAULT_POLL));
    expect(schedule).toEqual([500, 750, 1125, 1688, 2500, 2500]);
  });
});
