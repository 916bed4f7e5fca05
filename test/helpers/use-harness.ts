import { expect } from "vitest";
import { type Harness, type HarnessOptions, startHarness } from "./harness.ts";
import { perTest } from "./per-test.ts";

/** A fresh harness for each test of the file; after each, no fake server may be left running. */
export function useHarness(options: HarnessOptions = {}): Harness {
  return perTest(
    () => startHarness(options),
    (h) => expect(h.strayServers()).toEqual([]),
  );
}
