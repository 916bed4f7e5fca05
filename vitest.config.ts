import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Generous: CI runs every file at once on two cores, with real browsers, sshd and Claude Code beside
    // each other; a passing test never waits for these bounds, a stuck one is named after them.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Most tests wait on other processes and sockets (fake Hetzner, SSH banners, the installer
    // stand-in), not on the CPU: two files per core keep the cores busy (three workers or six were
    // slower). Files share one module graph per worker instead of importing ccc afresh (a third of
    // the run was import time); each test builds its own store, servers and clock. Forks, not
    // threads: the tests start child processes by the hundred, and each start copies the starting
    // process's page tables; four workers in one process made that ~1 GB process's starts block the
    // workers for half a minute of a run (81 s → 70 s on two cores, sys time 29 s → 21 s).
    pool: "forks",
    maxWorkers: 2 * availableParallelism(),
    isolate: false,
  },
});
