// A hibernation world: the real harness (fake Hetzner over HTTP, SQLite file), core on a clock the
// test moves, a recording notifier, and machines played by a real OpenSSH server per running server
// with the machine's pinned host key, running the REAL ccc-apply under a folder that stands for the
// machine's disk. What a person does there is planted as files ccc-apply --activity reads: processes
// under <root>/proc (SSH sessions, tmux, claude), /proc/loadavg, terminal access times under
// <root>/dev/pts, the keep-awake file, and a `systemctl` stand-in listing ccc-task units.
import { chmodSync, copyFileSync, mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { generateHostKey, type HostKeyPair } from "../../src/core/machine/host-key.ts";
import type { FakeServer } from "../../stand-ins/fake-hetzner.ts";
import { type FakeSshd, startSshd } from "../../stand-ins/sshd.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";
import { OffsetClock } from "../helpers/offset-clock.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";
import { plant, realTimeCloud } from "../lifecycle/world.ts";

export const MINUTE = 60_000;
const NIX_DIR = join(import.meta.dirname, "../../nix");
const CCC_APPLY = join(NIX_DIR, "packages/ccc-apply/ccc-apply.mjs");

export interface HibernateWorld {
  h: Harness;
  deps: CoreDeps;
  clock: OffsetClock;
  notes: RecordingNotifier;
  hostKey: HostKeyPair;
  /** The folder standing for the machine's disk (kept across hibernation, as the snapshot keeps it). */
  root: string;
  /** A ready machine of `owner` with its server, pinned host key and a real sshd answering. */
  machine(owner?: string, minutes?: number): Promise<Instance>;
  /** Waits until every booted server's sshd listens (and the one at `ip` has been booted). */
  booted(ip?: string): Promise<void>;
  /** sshd of the server at `ip`, if one runs. */
  sshd(ip: string): Promise<FakeSshd> | undefined;
  /** Stops the sshd of a server that is gone (hibernated: ssh does not answer). */
  serverGone(ip: string): Promise<void>;
  act: Activity;
  close(): Promise<void>;
}

/** What a person is doing on the machine, as files under its root. */
export interface Activity {
  session(user?: string): void;
  tmux(): void;
  claude(): void;
  load(fiveMinutes: number): void;
  /** The last keystroke on a terminal. */
  typed(at: Date): void;
  keepAwakeOnMachine(until: Date): void;
  task(unit: string): void;
  /** Nothing runs: no processes, load 0, no recent input, no keep-awake, no tasks. */
  idle(): void;
}

export async function startHibernateWorld(env: Record<string, string> = {}): Promise<HibernateWorld> {
  const sshds = new Map<string, Promise<FakeSshd>>();
  const hostKey = generateHostKey("root@sleepy");
  let deps: CoreDeps | null = null;
  const h = await startHarness({
    manualSsh: true,
    env,
    cloud: { onServerRunning: (server: FakeServer) => boot(server.public_net.ipv4.ip) },
  });
  const root = join(h.dir, "machine");
  const bin = join(h.dir, "machine-bin");
  const units = join(h.dir, "machine-units");
  mkdirSync(join(root, "etc/cloud-instance"), { recursive: true });
  copyFileSync(join(NIX_DIR, "CLAUDE.cloud-instance.md"), join(root, "etc/cloud-instance/CLAUDE.md.in"));
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "systemctl"), `#!/bin/sh\ncat ${JSON.stringify(units)} 2>/dev/null\nexit 0\n`);
  chmodSync(join(bin, "systemctl"), 0o755);

  function boot(ip: string) {
    if (!deps) return;
    const d = deps;
    sshds.set(
      ip,
      startSshd({
        authorizedKeys: [d.operatorKey.publicKey],
        hostKey,
        forced: { program: CCC_APPLY, root, env: { PATH: `${bin}${delimiter}${process.env.PATH}` } },
        host: ip,
        port: d.timing.sshPort,
      }),
    );
  }

  // The fake cloud reports a server running shortly after its create answer: wait for that state.
  async function untilBooted(ip: string): Promise<void> {
    for (let i = 0; i < 500 && !sshds.has(ip); i++) await new Promise((r) => setTimeout(r, 10));
    await sshds.get(ip);
  }

  const clock = new OffsetClock();
  const notes = new RecordingNotifier();
  deps = h.compose({ clock, notifier: notes, cloud: realTimeCloud(h) });
  let pid = 100;
  const proc = (cmdline: string) => {
    const dir = join(root, "proc", String(pid++));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "cmdline"), cmdline);
  };
  const act: Activity = {
    session: (user = "claude") => proc(`sshd: ${user}@pts/0`),
    tmux: () => proc("tmux: client (/tmp/tmux-1000/default)"),
    claude: () => proc("/run/current-system/sw/bin/node\0/nix/store/x-claude-code/bin/claude\0"),
    load: (five) => {
      mkdirSync(join(root, "proc"), { recursive: true });
      writeFileSync(join(root, "proc/loadavg"), `${five} ${five} ${five} 1/100 4242\n`);
    },
    typed: (at) => {
      mkdirSync(join(root, "dev/pts"), { recursive: true });
      writeFileSync(join(root, "dev/pts/0"), "");
      utimesSync(join(root, "dev/pts/0"), at, at);
    },
    keepAwakeOnMachine: (until) => {
      mkdirSync(join(root, "home/claude"), { recursive: true });
      writeFileSync(join(root, "home/claude/.ccc-keep-awake-until"), `${until.toISOString()}\n`);
    },
    task: (unit) => writeFileSync(units, `${unit} loaded active running ccc task\n`),
    idle: () => {
      rmSync(join(root, "proc"), { recursive: true, force: true });
      rmSync(join(root, "dev"), { recursive: true, force: true });
      rmSync(join(root, "home/claude/.ccc-keep-awake-until"), { force: true });
      rmSync(units, { force: true });
      act.load(0.01);
      act.typed(new Date(clock.now().getTime() - 60 * MINUTE));
    },
  };
  act.idle();

  return {
    h,
    deps,
    clock,
    notes,
    hostKey,
    root,
    act,
    machine: async (owner = "U0ALICE", minutes = 240) => {
      const d = deps as CoreDeps;
      const { instance } = await plant(d, { owner, minutes });
      writeFileSync(join(root, "etc/cloud-instance/instance-id"), `${instance.id}\n`);
      // Billed as a provision records it, so the hours saved have a price.
      d.store.ledger.open({
        ...instance,
        instanceId: instance.id,
        price: { hourly: "0.0104", monthly: "6.49" },
      });
      const pinned = d.store.update(
        instance.id,
        { hostKey: hostKey.publicKey },
        { actor: "test", kind: "installed" },
      );
      await untilBooted(pinned.ipv4 as string);
      return pinned;
    },
    booted: async (ip?: string) => {
      if (ip) await untilBooted(ip);
      await Promise.all(sshds.values());
    },
    sshd: (ip) => sshds.get(ip),
    serverGone: async (ip) => {
      const sshd = sshds.get(ip);
      sshds.delete(ip);
      await (await sshd)?.stop();
    },
    close: async () => {
      await Promise.all([...sshds.values()].map(async (s) => (await s).stop()));
      await h.close();
    },
  };
}
