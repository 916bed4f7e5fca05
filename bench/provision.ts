// Benchmark for the core (issue 2): Hetzner requests per provision + deprovision cycle, core
// overhead per provision with zero-latency fakes, and 20 provisions at once. Runs against the
// same fakes as the tests: `npm run bench:provision`.
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deprovision } from "../src/commands/deprovision.ts";
import { provision } from "../src/commands/provision.ts";
import { composeCore } from "../src/compose.ts";
import { PROJECT_ROOT, parseConfig } from "../src/config.ts";
import type { CoreDeps } from "../src/core/deps.ts";
import type { Installer } from "../src/core/ports/installer.ts";
import { startFakeHetzner } from "../stand-ins/fake-hetzner.ts";
import { createFakeInstaller } from "../stand-ins/fake-installer.ts";
import { startSshBanner } from "../stand-ins/ssh-banner.ts";
import { makeKeyPair, writeOperatorKey } from "../test/helpers/keys.ts";
import { BENCH_LIMITS, sized } from "./bench-settings.ts";

const BUDGET = 8;
// BENCH_QUICK=1: a short create action and three cycles instead of twenty.
const ACTION_MS = sized(10_000, 500);
const CYCLES = sized(20, 3);
const who = new AsyncLocalStorage<string>();
const perCycle = new Map<string, number>();
const countingFetch: typeof fetch = (input, init) => {
  const key = who.getStore() ?? "shared";
  perCycle.set(key, (perCycle.get(key) ?? 0) + 1);
  return fetch(input, init);
};

async function world(actionDurationMs: number, installer?: Installer) {
  const dir = mkdtempSync(join(tmpdir(), "ccc-bench-"));
  const ssh = await startSshBanner();
  const cloud = await startFakeHetzner({
    actionDurationMs,
    rateLimit: 100_000,
    onServerRunning: (s) => void ssh.open(s.public_net.ipv4.ip),
  });
  const env = parseConfig({
    HCLOUD_TOKEN: cloud.token,
    HCLOUD_ENDPOINT: cloud.url,
    CCC_DB_PATH: join(dir, "ccc.db"),
    CCC_NIXOS_ANYWHERE: createFakeInstaller(dir).path,
    CCC_OPERATOR_SSH_KEY: writeOperatorKey(dir),
    CCC_FLAKE_DIR: join(PROJECT_ROOT, "nix"),
    CCC_SSH_PORT: String(ssh.port),
    ...BENCH_LIMITS,
  });
  // Production timings and retry/poll schedules: only the transport is counted.
  const deps = composeCore(env, {
    needCloud: true,
    hetzner: { fetch: countingFetch },
    ...(installer ? { installer } : {}),
  });
  return {
    deps,
    cloud,
    close: async () => {
      deps.store.close();
      await cloud.close();
      await ssh.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function cycle(deps: CoreDeps, label: string): Promise<{ requests: number; ms: number }> {
  const ctx = { deps, actor: { id: "bench", isAdmin: true } };
  const started = performance.now();
  await who.run(label, async () => {
    const ready = await provision(ctx, { owner: `u-${label}`, sshKey: makeKeyPair().publicKey, hours: 1 });
    await deprovision(ctx, { id: ready.id });
  });
  return { requests: perCycle.get(label) ?? 0, ms: performance.now() - started };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

async function main() {
  console.log(
    `1) Hetzner requests per provision + deprovision (create action ${ACTION_MS / 1000} s, SSH when running)`,
  );
  {
    const w = await world(ACTION_MS);
    const cold = await cycle(w.deps, "cold");
    const warm = await cycle(w.deps, "warm");
    console.log(
      `   first cycle of a process (uploads key, loads types+locations): ${cold.requests} requests, ${(cold.ms / 1000).toFixed(1)} s`,
    );
    console.log(
      `   later cycles: ${warm.requests} requests, ${(warm.ms / 1000).toFixed(1)} s   (goal <= ${BUDGET})`,
    );
    await w.close();
  }

  console.log("2) Core overhead per provision with zero-latency fakes (actions instant, SSH up at once)");
  {
    const noop: Installer = { install: async () => {} };
    for (const [name, installer] of [
      ["in-process no-op installer", noop],
      ["stand-in installer executable", undefined],
    ] as const) {
      const tag = installer ? "noop" : "exe";
      const w = await world(0, installer);
      await cycle(w.deps, `${tag}-warmup`);
      const times: number[] = [];
      for (let i = 0; i < CYCLES; i++) times.push((await cycle(w.deps, `${tag}-${i}`)).ms);
      console.log(
        `   ${name}: provision+deprovision p50 ${percentile(times, 50).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms over ${CYCLES}`,
      );
      await w.close();
    }
  }

  console.log(`3) ${CYCLES} provisions at once (create action ${ACTION_MS / 1000} s)`);
  {
    const w = await world(ACTION_MS);
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: CYCLES }, (_, i) => cycle(w.deps, `c${i}`)),
    );
    const ok = results.filter((r) => r.status === "fulfilled").map((r) => r.value);
    const counts = ok.map((r) => r.requests);
    console.log(
      `   finished ${ok.length}/${CYCLES} in ${((performance.now() - started) / 1000).toFixed(1)} s; requests per cycle min ${Math.min(...counts)}, max ${Math.max(...counts)} (budget ${BUDGET}); shared look-ups ${perCycle.get("shared") ?? 0}; servers left ${w.cloud.servers().length}`,
    );
    for (const r of results) if (r.status === "rejected") console.log(`   failed: ${String(r.reason)}`);
    await w.close();
    if (ok.length !== CYCLES || Math.max(...counts) > BUDGET) process.exitCode = 1;
  }
}

await main();
