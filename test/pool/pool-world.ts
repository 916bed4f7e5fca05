// A warm-pool test world: the real harness (fake Hetzner over HTTP, stand-in installer, SQLite file) with
// a pool configured, and a real OpenSSH server per pool machine once it is installed, showing the host
// key the install put on it and running ccc-apply under a folder per machine: the stand-in, or the real
// on-machine script with stand-ins for the tools it runs (nix, mount, findmnt, chown, runuser).
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import type { ComposeOptions } from "../../src/compose.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import { HOST_KEY_FILE } from "../../src/core/machine/extra-files.ts";
import { discardPoolMachine } from "../../src/core/pool/discard.ts";
import { FAKE_CCC_APPLY, type FakeSshd, type ForcedCommand, startSshd } from "../../stand-ins/sshd.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";

const NIX_DIR = resolve(import.meta.dirname, "../../nix");
const CCC_APPLY = join(NIX_DIR, "packages/ccc-apply/ccc-apply.mjs");
const FAKE_BIN = resolve(import.meta.dirname, "../../stand-ins/bin");

/** Which ccc-apply the pool machines run; `env` reaches the real one's stand-in tools (e.g. FAKE_NIX_FAIL). */
/** `rootDir`: where the machines' root folders go (default inside the harness's folder); `program`: another
 * ccc-apply (an older one, say). */
export type PoolMachines =
  | { kind: "stand-in" }
  | { kind: "ccc-apply"; env?: Record<string, string>; rootDir?: string; program?: string };

export interface PoolWorld {
  h: Harness;
  deps: CoreDeps;
  /**
   * Starts sshd on every installed pool machine that has none yet (the NixOS system taking over);
   * with `hostKey`, an impostor at each address shows that key instead of the one the install pinned.
   */
  bootMachines(hostKey?: { privateKey: string; publicKey: string }): Promise<void>;
  /** The machine at `ip` goes dark: its sshd stops (nothing answers there any more). */
  haltMachine(ip: string): Promise<void>;
  /** What the stand-in ccc-apply does on every machine from now on. */
  machinesBehave(mode: "apply" | "refuse" | "crash" | "lie"): void;
  /** The state.json ccc-apply wrote on the machine at `ip`. */
  machineState(ip: string): Record<string, unknown>;
  /** The folder standing for the machine's root file system. */
  machineRoot(ip: string): string;
  /** What the real ccc-apply ran on the machine at `ip` (the stand-in tools' log). */
  toolCalls(ip: string): { tool: string; argv: string[] }[];
  /** The stand-in mount table of the machine at `ip`. */
  mounts(ip: string): { source: string; target: string }[];
  close(): Promise<void>;
}

export async function startPoolWorld(
  env: Record<string, string>,
  compose: ComposeOptions = {},
  machines: PoolMachines = { kind: "stand-in" },
): Promise<PoolWorld> {
  const h = await startHarness({ env: { CCC_POOL: "cx23@fsn1=2", ...env } });
  const deps = h.compose(compose);
  const booted = new Map<string, FakeSshd>();
  const behaviorFile = join(h.dir, "ccc-apply-behavior.json");
  const machinesDir = (machines.kind === "ccc-apply" && machines.rootDir) || join(h.dir, "machines");
  const root = (ip: string) => join(machinesDir, ip);
  const toolsLog = (ip: string) => join(h.dir, "machines", `${ip}.tools.jsonl`);
  const mountTable = (ip: string) => join(h.dir, "machines", `${ip}.mounts.json`);
  const forced = (ip: string, id: string): ForcedCommand => {
    if (machines.kind === "stand-in") {
      return { program: FAKE_CCC_APPLY, root: root(ip), env: { FAKE_CCC_APPLY_BEHAVIOR_FILE: behaviorFile } };
    }
    // What the install leaves for ccc-apply: the machine's id and Claude's context template.
    mkdirSync(join(root(ip), "etc/cloud-instance"), { recursive: true });
    writeFileSync(join(root(ip), "etc/cloud-instance/instance-id"), `${id}\n`);
    // The group the NixOS module declares for the secrets file (docs/secrets.md).
    writeFileSync(join(root(ip), "etc/group"), "root:x:0:\nccc-secrets:x:4242:claude\n");
    copyFileSync(
      join(NIX_DIR, "CLAUDE.cloud-instance.md"),
      join(root(ip), "etc/cloud-instance/CLAUDE.md.in"),
    );
    return {
      program: machines.program ?? CCC_APPLY,
      root: root(ip),
      env: {
        PATH: `${FAKE_BIN}${delimiter}${process.env.PATH}`,
        FAKE_TOOLS_LOG: toolsLog(ip),
        FAKE_MOUNT_TABLE: mountTable(ip),
        ...machines.env,
      },
    };
  };
  return {
    h,
    deps,
    bootMachines: async (impostorKey) => {
      for (const member of deps.store.pool.list()) {
        const ip = member.ipv4;
        if (member.state !== "ready" || !ip || booted.has(ip)) continue;
        await h.ssh.closeHost(ip);
        const target = h.installer.targetRoot(ip);
        mkdirSync(root(ip), { recursive: true });
        const sshd = await startSshd({
          authorizedKeys: [deps.operatorKey.publicKey],
          hostKey: impostorKey ?? {
            privateKey: readFileSync(join(target, HOST_KEY_FILE), "utf8"),
            publicKey: readFileSync(join(target, `${HOST_KEY_FILE}.pub`), "utf8"),
          },
          forced: forced(ip, member.id),
          host: ip,
          port: deps.timing.sshPort,
        });
        booted.set(ip, sshd);
      }
    },
    haltMachine: async (ip) => {
      await booted.get(ip)?.stop();
      booted.delete(ip);
      await h.ssh.closeHost(ip);
    },
    machinesBehave: (mode) => writeFileSync(behaviorFile, JSON.stringify({ mode })),
    machineState: (ip) =>
      JSON.parse(readFileSync(join(root(ip), "var/lib/cloud-instance/state.json"), "utf8")),
    machineRoot: root,
    toolCalls: (ip) =>
      existsSync(toolsLog(ip))
        ? readFileSync(toolsLog(ip), "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line))
        : [],
    mounts: (ip) => (existsSync(mountTable(ip)) ? JSON.parse(readFileSync(mountTable(ip), "utf8")) : []),
    close: async () => {
      await Promise.all([...booted.values()].map((s) => s.stop()));
      for (const m of deps.store.pool.list()) await discardPoolMachine(deps, m.id, m.hetznerServerId);
      for (const server of await deps.cloud.listServers()) await deps.cloud.deleteServer(server.id);
      await h.close();
    },
  };
}
