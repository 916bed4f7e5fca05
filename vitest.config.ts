import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Most tests wait on other processes and sockets (fake Hetzner, SSH banners, the installer
    // stand-in), not on the CPU: two files per core keep the cores busy. Threads start faster than
    // forks, and files share one module graph per worker instead of importing ccc afresh (a third
    // of the run was import time); each test builds its own store, servers and clock.
    pool: "threads",
    maxWorkers: 2 * availableParallelism(),
    isolate: false,
  },
});
