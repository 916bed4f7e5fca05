// Benchmark for save and restore (issue 12): Hetzner requests per save and per restore, and how
// soon a restored machine is ready after its server boots, with production-like timings at the fake
// (snapshot action 60 s, boot from a snapshot 40 s; BENCH_SCALE shrinks both, ccc's own timings stay
// production's) and a real OpenSSH server per restored machine. `npm run bench:restore`.
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeCore } from "../src/compose.ts";
import { PROJECT_ROOT, parseConfig } from "../src/config.ts";
import { serverLabels } from "../src/core/cloud/server-labels.ts";
import type { CoreDeps } from "../src/core/deps.ts";
import { deprovision } from "../src/core/instances/deprovision.ts";
import { newInstanceId } from "../src/core/instances/instance.ts";
import { generateHostKey, type HostKeyPair } from "../src/core/machine/host-key.ts";
import { deleteSnapshot } from "../src/core/snapshots/manage.ts";
import { runRestore, startRestore } from "../src/core/snapshots/restore.ts";
import { saveMachine } from "../src/core/snapshots/save.ts";
import { type FakeServer, startFakeHetzner } from "../stand-ins/fake-hetzner.ts";
import { createFakeInstaller } from "../stand-ins/fake-installer.ts";
import { FAKE_CCC_APPLY, type FakeSshd, sshdMissingReason, startSshd } from "../stand-ins/sshd.ts";
import { makeKeyPair, writeOperatorKey } from "../test/helpers/keys.ts";
import { BENCH_LIMITS, QUICK, sized } from "./bench-settings.ts";

const SCALE = Number(process.env.BENCH_SCALE ?? sized("0.25", "0.02"));
const RUNS = Number(process.env.BENCH_RUNS ?? sized("5", "1"));
const SNAPSHOT_MS = 60_000 * SCALE;
const BOOT_MS = 40_000 * SCALE;
const GOAL_MS = 10_000;
const ADMIN = { id: "bench", isAdmin: true };

const who = new AsyncLocalStorage<string>();
const counts = new Map<string, number>();
const countingFetch: typeof fetch = (input, init) => {
  const key = who.getStore() ?? "shared";
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return fetch(input, init);
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

async function main() {
  if (sshdMissingReason) {
    console.log(`skipped: ${sshdMissingReason}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "ccc-bench-"));
  const hostKeys = new Map<string, HostKeyPair>();
  const booted = new Map<string, number>();
  const sshUp = new Map<string, number>();
  const machines: Promise<FakeSshd>[] = [];
  let deps: CoreDeps | null = null;
  const cloud = await startFakeHetzner({
    rateLimit: 100_000,
    actionDurations: { create_image: SNAPSHOT_MS, create_server: BOOT_MS },
    onServerRunning: (server: FakeServer) => {
      const saved = server.image.labels["ccc-instance"];
      const key = saved ? hostKeys.get(saved) : undefined;
      if (!key || !deps) return;
      booted.set(server.name, performance.now());
      const sshd = startSshd({
        authorizedKeys: [deps.operatorKey.publicKey],
        hostKey: key,
        forced: { program: FAKE_CCC_APPLY, root: join(dir, "machines", server.name) },
        host: server.public_net.ipv4.ip,
        port: deps.timing.sshPort,
      });
      machines.push(sshd);
      void sshd.then(() => sshUp.set(server.name, performance.now()));
    },
  });
  const config = parseConfig({
    HCLOUD_TOKEN: cloud.token,
    HCLOUD_ENDPOINT: cloud.url,
    CCC_DB_PATH: join(dir, "ccc.db"),
    CCC_NIXOS_ANYWHERE: createFakeInstaller(dir).path,
    CCC_OPERATOR_SSH_KEY: writeOperatorKey(dir),
    CCC_FLAKE_DIR: join(PROJECT_ROOT, "nix"),
    CCC_SSH_PORT: "2222",
    ...BENCH_LIMITS,
  });
  // Production timings and poll schedules: only the transport is counted.
  const d = composeCore(config, { needCloud: true, hetzner: { fetch: countingFetch } });
  deps = d;
  console.log(
    `save + restore, ${RUNS} runs: snapshot action ${SNAPSHOT_MS / 1000} s, boot ${BOOT_MS / 1000} s (scale ${SCALE} of 60 s / 40 s), real sshd per machine`,
  );
  const saveReq: number[] = [];
  const restoreReq: number[] = [];
  const afterBoot: number[] = [];
  const afterSsh: number[] = [];
  const restoreTotal: number[] = [];
  const userKey = makeKeyPair("bench@laptop").publicKey;
  await d.catalog.load();
  try {
    for (let i = 0; i < RUNS; i++) {
      const id = newInstanceId();
      const now = d.clock.now();
      d.store.add(
        {
          id,
          owner: "bench",
          ownerEmail: null,
          sshKeys: [userKey],
          sshKeyFingerprint: "SHA256:bench",
          serverType: "cx23",
          location: "fsn1",
          createdAt: now,
          expiresAt: new Date(now.getTime() + 3_600_000),
        },
        { actor: "bench", kind: "requested" },
      );
      const { server } = await d.cloud.createServer({
        name: id,
        serverType: "cx23",
        image: "ubuntu-24.04",
        location: "fsn1",
        sshKeys: [],
        labels: serverLabels({ id, owner: "bench", expiresAt: new Date(now.getTime() + 3_600_000) }),
      });
      const hostKey = generateHostKey(`root@${id}`);
      hostKeys.set(id, hostKey);
      d.store.update(
        id,
        { status: "ready", hetznerServerId: server.id, ipv4: server.ipv4, hostKey: hostKey.publicKey },
        { actor: "bench", kind: "ready" },
      );

      const saved = await who.run(`save-${i}`, () => saveMachine(d, ADMIN, id));
      if (saved.kind !== "saved") throw new Error(`save failed: ${saved.reason}`);
      saveReq.push(counts.get(`save-${i}`) ?? 0);

      const started = performance.now();
      const restored = await who.run(`restore-${i}`, async () => {
        const { instance, snapshot } = await startRestore(d, ADMIN, { snapshotId: id, hours: 1 });
        return runRestore(d, instance, snapshot, (step) => {
          if (process.env.BENCH_TRACE)
            console.log(`   ${(performance.now() - started).toFixed(0)} ms: ${step}`);
        });
      });
      const ready = performance.now();
      restoreReq.push(counts.get(`restore-${i}`) ?? 0);
      afterBoot.push(ready - (booted.get(restored.id) ?? Number.NaN));
      afterSsh.push(ready - (sshUp.get(restored.id) ?? Number.NaN));
      restoreTotal.push(ready - started);
      await deprovision(d, ADMIN, restored.id);
      await deleteSnapshot(d, ADMIN, id);
    }
  } finally {
    if (process.env.BENCH_TRACE) {
      for (const m of machines) console.log(`   sshd sessions: ${(await m).sessions().length}`);
    }
    await Promise.all(machines.map(async (m) => (await m).stop()));
    d.store.close();
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`   Hetzner requests per save:    median ${median(saveReq)} (${saveReq.join(", ")})`);
  console.log(`   Hetzner requests per restore: median ${median(restoreReq)} (${restoreReq.join(", ")})`);
  console.log(
    `   restore → ready: median ${s(median(restoreTotal))}; real-time equivalent ≈ ${s(median(restoreTotal) - BOOT_MS + 40_000)}`,
  );
  console.log(
    `   ready after the server booted: median ${s(median(afterBoot))} (goal ≤ ${s(GOAL_MS)}), after its sshd listened: median ${s(median(afterSsh))}`,
  );
  // A timing goal fails the full run only: a quick run on a busy machine checks that it works.
  if (median(afterBoot) > GOAL_MS && !QUICK) process.exitCode = 1;
}

await main();
