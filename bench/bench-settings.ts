// What every benchmark shares: `BENCH_QUICK=1` runs the same code paths with fewer runs and rows (the
// test in test/bench/benches.test.ts uses it), and the per-person guardrails are lifted so a benchmark
// that creates dozens of machines for one person measures ccc, not the hourly provision limit.

/** True when `BENCH_QUICK=1`: fewer runs and rows, same code paths. */
export const QUICK = process.env.BENCH_QUICK === "1";

/** `full` normally, `quick` under `BENCH_QUICK=1`. */
export const sized = <T>(full: T, quick: T): T => (QUICK ? quick : full);

/** Settings that lift the per-person limits a benchmark would otherwise run into. */
export const BENCH_LIMITS = {
  CCC_MAX_PROVISIONS_PER_HOUR: "100000",
  CCC_MAX_INSTANCES_PER_USER: "1000",
  CCC_MAX_SNAPSHOTS_PER_USER: "1000",
} as const;
