import type { Instance } from "../core/instances/instance.ts";
import { hostKeyFingerprint } from "../core/machine/host-key.ts";
import { failedPackages, installedPackages } from "../core/software/package-results.ts";
import { knownHostsFor, sshCommand } from "./text.ts";

/** The JSON shape of an instance for `--json` and for anything outside the process. */
export interface InstanceJson {
  id: string;
  owner: string;
  ownerEmail: string | null;
  status: Instance["status"];
  serverType: string;
  location: string;
  ipv4: string | null;
  ipv6: string | null;
  sshKeyFingerprint: string;
  failureReason: string | null;
  createdAt: string;
  readyAt: string | null;
  expiresAt: string;
  deletedAt: string | null;
  ssh: string | null;
  /** The machine's SSH host key (`ssh-ed25519 …`), pinned by ccc before the install. */
  hostKey: string | null;
  hostKeyFingerprint: string | null;
  /** A line for ~/.ssh/known_hosts, so the user's first `ssh` needs no trust on first use. */
  knownHosts: string | null;
  /** Extra software: what was asked for, what is on the machine, and what failed with Nix's reason. */
  packages: string[];
  packagesInstalled: string[] | null;
  packagesFailed: { name: string; error: string }[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** An instance as JSON; `viewer.sshPort` (CCC_SSH_PORT) goes into its ssh and known_hosts lines. */
export function instanceJson(i: Instance, viewer?: { sshPort?: number }): InstanceJson {
  return {
    id: i.id,
    owner: i.owner,
    ownerEmail: i.ownerEmail,
    status: i.status,
    serverType: i.serverType,
    location: i.location,
    ipv4: i.ipv4,
    ipv6: i.ipv6,
    sshKeyFingerprint: i.sshKeyFingerprint,
    failureReason: i.failureReason,
    createdAt: i.createdAt.toISOString(),
    readyAt: iso(i.readyAt),
    expiresAt: i.expiresAt.toISOString(),
    deletedAt: iso(i.deletedAt),
    ssh: sshCommand(i, viewer?.sshPort),
    hostKey: i.hostKey,
    hostKeyFingerprint: i.hostKey ? hostKeyFingerprint(i.hostKey) : null,
    knownHosts: knownHostsFor(i, viewer?.sshPort),
    packages: i.packages ?? [],
    packagesInstalled: i.packageResults ? installedPackages(i.packageResults) : null,
    packagesFailed: failedPackages(i.packageResults).map((r) => ({ name: r.name, error: r.error ?? "" })),
  };
}
