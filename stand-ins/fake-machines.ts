// The machines behind the fake Hetzner's servers, end to end, for the demo (and any test that wants whole
// machines): a booting server answers an SSH banner (Ubuntu, waiting for nixos-anywhere); the stand-in
// installer runs; then "NixOS" takes over the address: a real sshd (sshd.ts) showing the host key the
// install put there, letting the operator key run the real ccc-apply (with the tool stand-ins in bin/) and
// the machine's `claude` keys log in to a shell. A server made from a snapshot boots the saved machine's
// files and key. A deleted server's sshd stops, and its open sessions with it.
//
// The installer it wraps (`installerPath`) is what ccc runs as nixos-anywhere, from any process (the bot,
// or a `ccc` command): after the stand-in installs it asks for the boot by a file and waits for it.
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HOST_KEY_FILE } from "../src/core/machine/extra-files.ts";
import type { FakeHetzner, FakeServer } from "./fake-hetzner.ts";
import { createFakeInstaller, type FakeInstaller } from "./fake-installer.ts";
import { type SshBanner, startSshBanner } from "./ssh-banner.ts";
import { type FakeSshd, startSshd } from "./sshd.ts";
import { freeUid } from "./sshd-login.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT = resolve(HERE, "..");
const CCC_APPLY = join(PROJECT, "nix/packages/ccc-apply/ccc-apply.mjs");
const CLAUDE_TEMPLATE = join(PROJECT, "nix/CLAUDE.cloud-instance.md");
const TOOL_STAND_INS = join(HERE, "bin");
/** Where the install leaves the owner's keys for sshd, as the NixOS module does. */
const INSTALL_KEYS = "etc/ssh/authorized_keys.d/claude";
/** What ccc-apply keeps up to date (shares, a pool machine's new owner). */
const LIVE_KEYS = "var/lib/cloud-instance/authorized_keys";

export interface FakeMachinesOptions {
  /** Where the installer, the machines' roots and their logs live. */
  dir: string;
  operatorPublicKey: string;
  /** How long a server takes from `running` to answering SSH. */
  bootMs: number;
  /** How long the stand-in nixos-anywhere takes. */
  installMs: number;
  /** Called with each problem booting a machine (the machine then never answers). */
  onProblem?: (message: string) => void;
}

export interface FakeMachines {
  /** The SSH port every machine answers on: give it to ccc as CCC_SSH_PORT. */
  sshPort: number;
  /** Give it to ccc as CCC_NIXOS_ANYWHERE. */
  installerPath: string;
  installer: FakeInstaller;
  /** Wire it to the fake Hetzner's `onServerRunning`. */
  serverRunning(server: FakeServer): void;
  /** Starts following the fake cloud: stops the machines of deleted servers. */
  follow(cloud: FakeHetzner): void;
  /** The folder standing for the root file system of the machine at `ip`. */
  root(ip: string): string;
  /** Addresses whose machine runs NixOS now (a real sshd). */
  booted(): string[];
  close(): Promise<void>;
}

export async function startFakeMachines(options: FakeMachinesOptions): Promise<FakeMachines> {
  const { dir } = options;
  mkdirSync(join(dir, "boot"), { recursive: true });
  mkdirSync(join(dir, "machines"), { recursive: true });
  chmodSync(dir, 0o711);
  const installer = createFakeInstaller(dir);
  installer.behave({ sleepMs: options.installMs });
  const installerPath = join(dir, "nixos-anywhere-then-boot");
  writeFileSync(installerPath, bootingInstaller(installer.path, join(dir, "boot")), { mode: 0o755 });
  const banner: SshBanner = await startSshBanner();
  const uid = freeUid();
  const running = new Map<string, FakeSshd>();
  const serverIps = new Map<number, string>();
  const timers = new Set<NodeJS.Timeout>();
  const problem = options.onProblem ?? (() => {});
  let closed = false;

  const root = (ip: string) => installer.targetRoot(ip);

  const boot = async (ip: string, instance: InstanceJson | null) => {
    await banner.closeHost(ip);
    const at = root(ip);
    mkdirSync(join(at, "home/claude"), { recursive: true });
    chmodSync(at, 0o755);
    if (instance) writeInstallTime(at, instance);
    const sshd = await startSshd({
      authorizedKeys: [options.operatorPublicKey],
      hostKey: {
        privateKey: readFileSync(join(at, HOST_KEY_FILE), "utf8"),
        publicKey: readFileSync(join(at, `${HOST_KEY_FILE}.pub`), "utf8"),
      },
      forced: {
        program: CCC_APPLY,
        root: at,
        env: {
          PATH: `${TOOL_STAND_INS}${delimiter}${process.env.PATH ?? "/usr/bin:/bin"}`,
          FAKE_TOOLS_LOG: join(dir, "machines", `${ip}.tools.jsonl`),
          FAKE_MOUNT_TABLE: join(dir, "machines", `${ip}.mounts.json`),
        },
      },
      host: ip,
      port: banner.port,
      login: {
        user: "claude",
        uid,
        home: join(at, "home/claude"),
        authorizedKeysFiles: [join(at, LIVE_KEYS), join(at, INSTALL_KEYS)],
        motdFile: join(at, "var/lib/cloud-instance/motd"),
        hostname: instanceId(at) ?? "ccc-machine",
      },
    });
    if (closed) return void (await sshd.stop());
    running.set(ip, sshd);
  };

  /** Boots what the installer asked for (a file per host in boot/), then says so beside it. */
  const answerBootRequests = async () => {
    for (const name of readdirSync(join(dir, "boot"))) {
      if (!name.endsWith(".request")) continue;
      const ip = name.slice(0, -".request".length);
      const request = join(dir, "boot", name);
      const instance = JSON.parse(readFileSync(request, "utf8") || "null") as InstanceJson | null;
      rmSync(request);
      try {
        await boot(ip, instance);
        writeFileSync(join(dir, "boot", `${ip}.booted`), "");
      } catch (error) {
        problem(`machine ${ip} did not boot: ${(error as Error).message}`);
        writeFileSync(join(dir, "boot", `${ip}.failed`), String(error));
      }
    }
  };

  let cloud: FakeHetzner | null = null;
  const stopDeleted = async () => {
    if (!cloud) return;
    const live = new Set(cloud.servers().map((s) => s.public_net.ipv4.ip));
    for (const [ip, sshd] of running) {
      if (live.has(ip)) continue;
      running.delete(ip);
      await sshd.stop();
    }
    for (const ip of [...serverIps.values()])
      if (!live.has(ip) && banner.isOpen(ip)) await banner.closeHost(ip);
  };

  let busy = false;
  const tick = setInterval(() => {
    if (busy) return;
    busy = true;
    void Promise.all([answerBootRequests(), stopDeleted()])
      .catch((error: unknown) => problem(String(error)))
      .finally(() => {
        busy = false;
      });
  }, 100);

  return {
    sshPort: banner.port,
    installerPath,
    installer,
    serverRunning: (server) => {
      const ip = server.public_net.ipv4.ip;
      serverIps.set(server.id, ip);
      const timer = setTimeout(() => {
        timers.delete(timer);
        const from = server.image.type === "snapshot" ? server.image.created_from?.id : undefined;
        const source = from === undefined ? undefined : serverIps.get(from);
        if (source === undefined) return void banner.open(ip);
        // The saved machine's disk, key and all: no install, it boots as it was.
        cpSync(root(source), root(ip), { recursive: true });
        boot(ip, null).catch((error: unknown) => problem(`machine ${ip} did not boot: ${String(error)}`));
      }, options.bootMs);
      timers.add(timer);
    },
    follow: (given) => {
      cloud = given;
    },
    root,
    booted: () => [...running.keys()],
    close: async () => {
      closed = true;
      clearInterval(tick);
      for (const timer of timers) clearTimeout(timer);
      await Promise.all([...running.values()].map((s) => s.stop()));
      running.clear();
      await banner.close();
    },
  };
}

/** The parts of the instance flake's instance.json the machine's first boot uses. */
interface InstanceJson {
  instanceId?: string;
  userSshKey?: string;
  extraSshKeys?: string[];
  extraPackages?: string[];
}

/** What NixOS's activation leaves behind for sshd and ccc-apply. */
function writeInstallTime(at: string, instance: InstanceJson): void {
  const keys = [instance.userSshKey, ...(instance.extraSshKeys ?? [])].filter(Boolean);
  mkdirSync(join(at, dirname(INSTALL_KEYS)), { recursive: true });
  writeFileSync(join(at, INSTALL_KEYS), keys.map((k) => `${k}\n`).join(""), { mode: 0o644 });
  mkdirSync(join(at, "etc/cloud-instance"), { recursive: true });
  if (instance.instanceId)
    writeFileSync(join(at, "etc/cloud-instance/instance-id"), `${instance.instanceId}\n`);
  writeFileSync(
    join(at, "etc/cloud-instance/extra-packages.json"),
    `${JSON.stringify(instance.extraPackages ?? [])}\n`,
  );
  if (existsSync(CLAUDE_TEMPLATE)) {
    writeFileSync(join(at, "etc/cloud-instance/CLAUDE.md.in"), readFileSync(CLAUDE_TEMPLATE, "utf8"));
  }
}

function instanceId(at: string): string | null {
  const file = join(at, "etc/cloud-instance/instance-id");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : null;
}

/**
 * nixos-anywhere as the stand-in, followed by the reboot into NixOS: asks for the boot (with the flake's
 * instance.json) and waits until the machine answers, as the real one waits for the new system.
 */
function bootingInstaller(standIn: string, bootDir: string): string {
  const q = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  return `#!/bin/sh
${q(standIn)} "$@" || exit $?
flake='' host='' previous=''
for arg in "$@"; do
  case $previous in
    --flake) flake=$arg ;;
    --target-host) host=\${arg##*@} ;;
  esac
  previous=$arg
done
flake=\${flake#path:}
flake=\${flake%%#*}
boot=${q(bootDir)}
rm -f "$boot/$host.booted" "$boot/$host.failed"
if [ -f "$flake/instance.json" ]; then cp "$flake/instance.json" "$boot/.$host"; else : >"$boot/.$host"; fi
mv "$boot/.$host" "$boot/$host.request"
echo '### Rebooting into NixOS ###'
tries=0
while [ ! -e "$boot/$host.booted" ]; do
  if [ -e "$boot/$host.failed" ] || [ $tries -ge 600 ]; then echo 'the new system did not come up' >&2; exit 1; fi
  tries=$((tries + 1))
  sleep 0.1
done
`;
}
