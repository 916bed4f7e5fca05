// A warm-pool test world: the real harness (fake Hetzner over HTTP, stand-in installer, SQLite file) with
// a pool configured, and a real OpenSSH server per pool machine once it is installed, showing the host
// key the install put on it and running the stand-in ccc-apply under a folder per machine.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ComposeOptions } from "../../src/compose.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import { HOST_KEY_FILE } from "../../src/core/machine/extra-files.ts";
import { discardPoolMachine } from "../../src/core/pool/discard.ts";
import { FAKE_CCC_APPLY, type FakeSshd, startSshd } from "../fakes/sshd.ts";
import { type Harness, startHarness } from "../helpers/harness.ts";

export interface PoolWorld {
  h: Harness;
  deps: CoreDeps;
  /** Starts sshd on every installed pool machine that has none yet (the NixOS system taking over). */
  bootMachines(): Promise<void>;
  /** What the stand-in ccc-apply does on every machine from now on. */
  machinesBehave(mode: "apply" | "refuse" | "crash" | "lie"): void;
  /** The state.json ccc-apply wrote on the machine at `ip`. */
  machineState(ip: string): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startPoolWorld(
  env: Record<string, string>,
  compose: ComposeOptions = {},
): Promise<PoolWorld> {
  const h = await startHarness({ env: { CCC_POOL: "cx23@fsn1=2", ...env } });
  const deps = h.compose(compose);
  const booted = new Map<string, FakeSshd>();
  const behaviorFile = join(h.dir, "ccc-apply-behavior.json");
  const root = (ip: string) => join(h.dir, "machines", ip);
  return {
    h,
    deps,
    bootMachines: async () => {
      for (const member of deps.store.pool.list()) {
        const ip = member.ipv4;
        if (member.state !== "ready" || !ip || booted.has(ip)) continue;
        await h.ssh.closeHost(ip);
        const target = h.installer.targetRoot(ip);
        mkdirSync(root(ip), { recursive: true });
        const sshd = await startSshd({
          authorizedKeys: [deps.operatorKey.publicKey],
          hostKey: {
            privateKey: readFileSync(join(target, HOST_KEY_FILE), "utf8"),
            publicKey: readFileSync(join(target, `${HOST_KEY_FILE}.pub`), "utf8"),
          },
          forced: {
            program: FAKE_CCC_APPLY,
            root: root(ip),
            env: { FAKE_CCC_APPLY_BEHAVIOR_FILE: behaviorFile },
          },
          host: ip,
          port: deps.timing.sshPort,
        });
        booted.set(ip, sshd);
      }
    },
    machinesBehave: (mode) => writeFileSync(behaviorFile, JSON.stringify({ mode })),
    machineState: (ip) =>
      JSON.parse(readFileSync(join(root(ip), "var/lib/cloud-instance/state.json"), "utf8")),
    close: async () => {
      await Promise.all([...booted.values()].map((s) => s.stop()));
      for (const m of deps.store.pool.list()) await discardPoolMachine(deps, m.id, m.hetznerServerId);
      for (const server of await deps.cloud.listServers()) await deps.cloud.deleteServer(server.id);
      await h.close();
    },
  };
}
