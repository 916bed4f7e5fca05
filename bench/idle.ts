// Benchmark for hibernation (issue 23). 1) The idle pass over a fleet of live machines (default 200)
// with the production cap of 16 SSH sessions at once: real OpenSSH servers running the real
// `ccc-apply --activity` (several machines share one sshd on a loopback address; each query is its
// own SSH session), production ssh timeouts; reports the pass duration against the check interval
// (5 minutes) and the peak sessions in flight. 2) Wake → ready after the server booted, as
// bench/restore.ts measures restore: production-like actions at the fake (snapshot 60 s, boot 40 s,
// shrunk by BENCH_SCALE), a real sshd per woken machine. `npm run bench:idle` (BENCH_FLEET=200,
// BENCH_RUNS=3, BENCH_SCALE=0.25).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeCore } from "../src/compose.ts";
import { PROJECT_ROOT, parseConfig } from "../src/config.ts";
import { serverLabels } from "../src/core/cloud/server-labels.ts";
import type { CoreDeps } from "../src/core/deps.ts";
import { runIdlePass } from "../src/core/hibernate/idle-sweep.ts";
import { runWake, startWake } from "../src/core/hibernate/wake.ts";
import { SYSTEM_ACTOR } from "../src/core/instances/actor.ts";
import { deprovision } from "../src/core/instances/deprovision.ts";
import { newInstanceId } from "../src/core/instances/instance.ts";
import { generateHostKey, type HostKeyPair } from "../src/core/machine/host-key.ts";
import { deleteSnapshot } from "../src/core/snapshots/manage.ts";
import { saveUnderLease } from "../src/core/snapshots/save.ts";
import { type FakeServer, startFakeHetzner } from "../stand-ins/fake-hetzner.ts";
import { createFakeInstaller } from "../stand-ins/fake-installer.ts";
import { FAKE_CCC_APPLY, type FakeSshd, sshdMissingReason, startSshd } from "../stand-ins/sshd.ts";
import { makeKeyPair, writeOperatorKey } from "../test/helpers/keys.ts";

// BENCH_QUICK=1: 20 machines, one run, shorter fake timings; the same code paths (test/bench/benches.test.ts).
const QUICK = process.env.BENCH_QUICK === "1";
const FLEET = Number(process.env.BENCH_FLEET ?? (QUICK ? "20" : "200"));
const RUNS = Number(process.env.BENCH_RUNS ?? (QUICK ? "1" : "3"));
const SCALE = Number(process.env.BENCH_SCALE ?? (QUICK ? "0.05" : "0.25"));
const SSHDS = 8;
const INTERVAL_MS = 5 * 60_000;
const SNAPSHOT_MS = 60_000 * SCALE;
const BOOT_MS = 40_000 * SCALE;
const GOAL_MS = 10_000;
const CCC_APPLY = join(PROJECT_ROOT, "nix/packages/ccc-apply/ccc-apply.mjs");
const userKey = makeKeyPair("bench@laptop").publicKey;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

function record(d: CoreDeps, id: string, patch: { ipv4: string; hostKey: string; serverId?: number }) {
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
  d.store.update(
    id,
    {
      status: "ready",
      readyAt: now,
      ipv4: patch.ipv4,
      hostKey: patch.hostKey,
      ...(patch.serverId ? { hetznerServerId: patch.serverId } : {}),
    },
    { actor: "bench", kind: "ready" },
  );
}

async function main() {
  if (sshdMissingReason) {
    console.log(`skipped: ${sshdMissingReason}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "ccc-bench-idle-"));
  const hostKeys = new Map<string, HostKeyPair>();
  const booted = new Map<string, number>();
  const sshds: Promise<FakeSshd>[] = [];
  let deps: CoreDeps | null = null;
  const cloud = await startFakeHetzner({
    rateLimit: 100_000,
    actionDurations: { create_image: SNAPSHOT_MS, create_server: BOOT_MS },
    onServerRunning: (server: FakeServer) => {
      const key = hostKeys.get(server.name);
      if (!key || !deps || server.image.type !== "snapshot") return;
      booted.set(server.name, performance.now());
      sshds.push(
        startSshd({
          authorizedKeys: [deps.operatorKey.publicKey],
          hostKey: key,
          forced: { program: FAKE_CCC_APPLY, root: join(dir, "machines", server.name) },
          host: server.public_net.ipv4.ip,
          port: deps.timing.sshPort,
        }),
      );
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
    CCC_MAX_INSTANCES_PER_USER: "1000",
  });
  const d = composeCore(config, { needCloud: true });
  deps = d;
  try {
    // 1) The fleet: SSHDS real sshds with the real ccc-apply, FLEET machines spread over them.
    const fleetKey = generateHostKey("root@fleet");
    const root = join(dir, "fleet-root");
    mkdirSync(join(root, "proc"), { recursive: true });
    writeFileSync(join(root, "proc/loadavg"), "0.02 0.03 0.01 1/80 999\n");
    const fleet = await Promise.all(
      Array.from({ length: SSHDS }, () =>
        startSshd({
          authorizedKeys: [d.operatorKey.publicKey],
          hostKey: fleetKey,
          forced: { program: CCC_APPLY, root },
          port: 2222,
        }),
      ),
    );
    sshds.push(...fleet.map((f) => Promise.resolve(f)));
    for (let i = 0; i < FLEET; i++) {
      const host = fleet[i % SSHDS] as FakeSshd;
      record(d, newInstanceId(), { ipv4: host.host, hostKey: fleetKey.publicKey });
    }
    console.log(
      `idle pass: ${FLEET} live machines, at most ${d.hibernation?.concurrency} SSH sessions at once, real sshd + real ccc-apply --activity`,
    );
    const passes: number[] = [];
    let peak = 0;
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      const summary = await runIdlePass(d);
      passes.push(performance.now() - started);
      peak = Math.max(peak, summary.peakSessions);
      const unanswered = summary.outcomes.filter((o) => o.kind !== "idle").length;
      if (summary.outcomes.length !== FLEET || unanswered > 0) {
        throw new Error(`pass ${run}: ${summary.outcomes.length} outcomes, ${unanswered} not idle`);
      }
    }
    const sessions = fleet.reduce((n, f) => n + f.sessions().length, 0);
    console.log(
      `   pass duration: median ${s(median(passes))} (${passes.map(s).join(", ")}); interval ${s(INTERVAL_MS)}`,
    );
    console.log(
      `   peak SSH sessions in flight: ${peak} (cap ${d.hibernation?.concurrency}); sessions served: ${sessions}`,
    );
    for (const f of fleet) await f.stop();
    for (const i of d.store.list()) d.store.remove(i.id, { actor: "bench", kind: "deleted" });

    // 2) Wake → ready after the server booted.
    console.log(
      `wake, ${RUNS} runs: snapshot action ${SNAPSHOT_MS / 1000} s, boot ${BOOT_MS / 1000} s (scale ${SCALE} of 60 s / 40 s), real sshd per machine`,
    );
    await d.catalog.load();
    const afterBoot: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const id = newInstanceId();
      const { server } = await d.cloud.createServer({
        name: id,
        serverType: "cx23",
        image: "ubuntu-24.04",
        location: "fsn1",
        sshKeys: [],
        labels: serverLabels({
          id,
          owner: "U0BENCH",
          expiresAt: new Date(d.clock.now().getTime() + 3_600_000),
        }),
      });
      const hostKey = generateHostKey(`root@${id}`);
      hostKeys.set(id, hostKey);
      record(d, id, { ipv4: server.ipv4 ?? "", hostKey: hostKey.publicKey, serverId: server.id });
      const instance = d.store.require(id);
      const slept = await saveUnderLease(d, SYSTEM_ACTOR, instance, "hibernated", {
        quiet: true,
        maxPerUser: 1000,
        beforeDelete: () => d.store.hibernation.sleep(id, "bench", d.clock.now(), 3_600_000, null),
      });
      if (slept.kind !== "saved") throw new Error(`hibernation failed: ${slept.reason}`);
      const started = await startWake(d, SYSTEM_ACTOR, id);
      const woken = await runWake(d, started);
      afterBoot.push(performance.now() - (booted.get(woken.id) ?? Number.NaN));
      await deprovision(d, SYSTEM_ACTOR, id);
      if (d.store.snapshots.get(id)?.status === "available") await deleteSnapshot(d, SYSTEM_ACTOR, id);
    }
    console.log(
      `   wake → ready after the server booted: median ${s(median(afterBoot))} (${afterBoot.map(s).join(", ")}); goal ≤ ${s(GOAL_MS)}`,
    );
    if (median(afterBoot) > GOAL_MS && !QUICK) process.exitCode = 1;
  } finally {
    await Promise.all(sshds.map(async (m) => (await m).stop()));
    d.store.close();
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
