import { perTest } from "../helpers/per-test.ts";
import { type StoreWorld, startStoreWorld } from "./fixtures.ts";

/** A fresh store (and clock) for each test of the file, closed after it. */
export function useStoreWorld(): StoreWorld {
  return perTest(
    () => startStoreWorld(),
    () => {},
  );
}
