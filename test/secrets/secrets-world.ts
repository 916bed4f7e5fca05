// Machines for the secrets tests and benchmark: a real OpenSSH server per machine at its fake-Hetzner
// address, with its pinned host key, running the real ccc-apply under a root folder that has what a
// machine has for it (its id, /etc/group with ccc-secrets). No test-framework imports: the bench uses it.
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/config.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import type { Instance } from "../../src/core/instances/instance.ts";
import { generateHostKey } from "../../src/core/machine/host-key.ts";
import { type FakeSshd, startSshd } from "../../stand-ins/sshd.ts";

export const CCC_APPLY = join(PROJECT_ROOT, "nix/packages/ccc-apply/ccc-apply.mjs");
export const SECRETS_GID = 4242;

export interface SecretsMachine {
  instance: Instance;
  root: string;
  sshd: FakeSshd;
  /** The secrets file's text on the machine, or null when there is none. */
  file(): string | null;
  /** Owner uid, group gid and permission bits of the file. */
  stat(): { uid: number; gid: number; mode: number };
}

/** Makes a planted ready instance a reachable machine with the real ccc-apply. */
export async function bootSecretsMachine(
  deps: CoreDeps,
  planted: Instance,
  dir: string,
): Promise<SecretsMachine> {
  const hostKey = generateHostKey(`root@${planted.id}`);
  const instance = deps.store.update(
    planted.id,
    { hostKey: hostKey.publicKey },
    { actor: "test", kind: "installed" },
  );
  const root = join(dir, `machine-${planted.id}`);
  mkdirSync(join(root, "etc/cloud-instance"), { recursive: true });
  writeFileSync(join(root, "etc/cloud-instance/instance-id"), `${planted.id}\n`);
  writeFileSync(join(root, "etc/group"), `root:x:0:\nusers:x:100:\nccc-secrets:x:${SECRETS_GID}:claude\n`);
  const sshd = await startSshd({
    authorizedKeys: [deps.operatorKey.publicKey],
    hostKey,
    forced: { program: CCC_APPLY, root },
    host: instance.ipv4 ?? "",
    port: deps.timing.sshPort,
  });
  const path = join(root, "run/ccc/secrets.env");
  return {
    instance,
    root,
    sshd,
    file: () => {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return null;
      }
    },
    stat: () => {
      const s = statSync(path);
      return { uid: s.uid, gid: s.gid, mode: s.mode & 0o7777 };
    },
  };
}
