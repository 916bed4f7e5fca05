import { afterEach, expect } from "vitest";
import { type FakeStripe, type FakeStripeOptions, startFakeStripe } from "../../stand-ins/fake-stripe.ts";

/**
 * Returns how a test starts its fake Stripe; after the test the fake is closed, then must have seen no
 * request it refused as malformed (its `failures`).
 */
export function fakeStripePerTest(): (options?: FakeStripeOptions) => Promise<FakeStripe> {
  let fake: FakeStripe | undefined;
  afterEach(async () => {
    const failures = fake?.failures ?? [];
    await fake?.close();
    fake = undefined;
    expect(failures).toEqual([]);
  });
  return async (options = {}) => {
    fake = await startFakeStripe(options);
    return fake;
  };
}
