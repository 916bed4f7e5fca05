import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { knownHostsLine } from "./host-key.ts";

/** ccc's own known_hosts for one machine: only its pinned key, so any other key is refused. */
export function knownHostsPath(instancesDir: string, id: string): string {
  return join(instancesDir, id, "known_hosts");
}

/**
 * Writes the file from the stored public key and the machine's current address and port, replacing
 * the old one in one step so a connection running at the same moment never reads half a file.
 */
export async function writeKnownHosts(
  instancesDir: string,
  machine: { instanceId: string; host: string; port: number; hostKey: string },
): Promise<string> {
  const path = knownHostsPath(instancesDir, machine.instanceId);
  await mkdir(join(instancesDir, machine.instanceId), { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temp, `${knownHostsLine(machine.host, machine.port, machine.hostKey)}\n`, { mode: 0o600 });
  await rename(temp, path);
  return path;
}
