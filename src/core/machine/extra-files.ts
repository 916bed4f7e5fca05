import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { HostKeyPair } from "./host-key.ts";

/** Where the host key goes on the machine, relative to its root. */
export const HOST_KEY_FILE = "etc/ssh/ssh_host_ed25519_key";

/**
 * The `--extra-files` tree of one install. It sits beside the instance's flake folder, never inside it:
 * nix copies a `path:` flake's whole folder into the world-readable store.
 */
export function extraFilesDir(instancesDir: string, id: string): string {
  return join(instancesDir, `${id}.extra-files`);
}

/**
 * Writes `etc/ssh/ssh_host_ed25519_key` (0600) and its `.pub` (0644) the way they must land on the
 * machine: nixos-anywhere copies the tree onto the new root with its modes. The top folder is 0700 so
 * nobody else on this host reads the key meanwhile (nixos-anywhere resets `/mnt` to 0755 afterwards).
 */
export async function writeExtraFiles(dir: string, key: HostKeyPair, comment: string): Promise<void> {
  // A tree left by an earlier attempt holds another machine's key: start clean.
  await removeExtraFiles(dir);
  const sshDir = join(dir, "etc", "ssh");
  await mkdir(sshDir, { recursive: true, mode: 0o700 });
  // mkdir's mode is cut by the umask, and the machine's /etc and /etc/ssh must be 0755.
  await chmod(dir, 0o700);
  await chmod(join(dir, "etc"), 0o755);
  await chmod(sshDir, 0o755);
  const keyFile = join(dir, HOST_KEY_FILE);
  await writeFile(keyFile, key.privateKey, { mode: 0o600, flag: "wx" });
  await writeFile(`${keyFile}.pub`, `${key.publicKey} ${comment}\n`, { mode: 0o644, flag: "wx" });
  await chmod(`${keyFile}.pub`, 0o644);
}

/** Deletes the tree with the private half; fine to call when it is already gone. */
export async function removeExtraFiles(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Runs `install` with the host key tree in place and deletes it afterwards, whether the install worked or not. */
export async function withExtraFiles<T>(
  dir: string,
  key: HostKeyPair,
  comment: string,
  install: (dir: string) => Promise<T>,
): Promise<T> {
  try {
    await writeExtraFiles(dir, key, comment);
    return await install(dir);
  } finally {
    await removeExtraFiles(dir);
  }
}
