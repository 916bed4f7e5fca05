import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/api/rate-limiter.ts";

describe("the rate limiter", () => {
  it("allows a burst of the limit, then one request per sixtieth of a minute, per key", () => {
    let now = 0;
    const limiter = new RateLimiter(6, () => now);
    for (let i = 0; i < 6; i++) expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBe(10);
    expect(limiter.take("b")).toBe(0);
    now += 9_000;
    expect(limiter.take("a")).toBe(1);
    now += 1_000;
    expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBe(10);
    now += 10 * 60_000;
    for (let i = 0; i < 6; i++) expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBeGreaterThan(0);
  });

  it("forgets refilled keys once it holds many, and keeps the ones still counting", () => {
    let now = 0;
    const limiter = new RateLimiter(1, () => now);
    for (let i = 0; i < 10_000; i++) limiter.take(`guess-${i}`);
    now += 60_000;
    expect(limiter.take("busy")).toBe(0);
    expect(limiter.take("busy")).toBe(60);
    // The 10,000 have refilled and are gone; "busy" is still counting.
    expect((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size).toBe(1);
  });
});
