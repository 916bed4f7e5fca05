import { type Instance, isEnded } from "../core/instances/instance.ts";
import { hostKeyFingerprint, knownHostsLine } from "../core/machine/host-key.ts";
import type { ProvisionStep } from "../core/provision/provision-failure.ts";
import { type PeopleNames, personText } from "./people.ts";
import { softwareLines } from "./software.ts";
import { formatTimeLeft, formatUtc, leftPhrase } from "./time.ts";

/**
 * The known_hosts line for what the user connects to (`ssh claude@<ip>` on `port`, CCC_SSH_PORT), once
 * there is a key; `[ip]:port` when the port is not 22, as ssh writes it.
 */
export function knownHostsFor(i: Instance, port = 22): string | null {
  if (!i.hostKey || !i.ipv4 || isEnded(i.status)) return null;
  return knownHostsLine(i.ipv6 ? [i.ipv4, i.ipv6] : [i.ipv4], port, i.hostKey);
}

/** `ssh claude@<ip>` once the machine has an address; `ssh -p <port> claude@<ip>` when the port is not 22. */
export function sshCommand(i: Instance, port = 22): string | null {
  if (!i.ipv4 || isEnded(i.status)) return null;
  return port === 22 ? `ssh claude@${i.ipv4}` : `ssh -p ${port} claude@${i.ipv4}`;
}

/** "€0.0080" from Hetzner's decimal string, without float noise. */
export function euro(decimal: string, digits = 4): string {
  return `€${Number(decimal).toFixed(digits)}`;
}

/** The provision's steps as the user reads them, in the terminal and in the Slack DM alike. */
export const STEP_TEXT: Record<ProvisionStep, string> = {
  creating_server: "Creating the server at Hetzner",
  waiting_for_ssh: "Waiting for the server to boot (SSH)",
  installing: "Installing NixOS with Claude Code",
  installing_software: "Installing extra software",
  mounting_volume: "Mounting your work volume at /home/claude/work",
  preparing_workspace: "Preparing the workspace",
  ready: "Ready",
};

/** A restore's steps: no installer runs, the saved machine comes back from its image. */
export const RESTORE_STEP_TEXT: Record<ProvisionStep, string> = {
  ...STEP_TEXT,
  creating_server: "Creating the server from the snapshot's image",
  waiting_for_ssh: "Waiting for the restored server to boot (SSH)",
  installing: "Restoring its state: the new expiry and your SSH key",
};

/** `[  12.3s] ccc-7f3k2q: <what>`: one progress line, with the time since the work began. */
export function stepLine(id: string, elapsedMs: number, what: string): string {
  return `[${(elapsedMs / 1000).toFixed(1).padStart(6)}s] ${id}: ${what}`;
}

/** A plain-text table with aligned columns. */
export function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

export function instanceTable(
  instances: Instance[],
  now: Date,
  showOwner: boolean,
  names?: PeopleNames,
): string {
  if (instances.length === 0) return "No machines.";
  const headers = [
    "ID",
    ...(showOwner ? ["OWNER"] : []),
    "STATUS",
    "TYPE",
    "LOCATION",
    "IPV4",
    "EXPIRES",
    "LEFT",
  ];
  const rows = instances.map((i) => [
    i.id,
    ...(showOwner ? [personText(i.owner, names)] : []),
    i.status,
    i.serverType,
    i.location,
    i.ipv4 ?? "-",
    formatUtc(i.expiresAt),
    formatTimeLeft(i.expiresAt, now),
  ]);
  return textTable(headers, rows);
}

/** How a machine ended, from its audit trail: when, who or what ended it, why; `detail` for admins only. */
export interface Ending {
  at: Date;
  by: string;
  why: string;
  detail?: string;
}

/** Several lines about one instance, for `status` and after `provision`. An ended one has no way in and no time left. */
export function instanceDetails(
  i: Instance,
  now: Date,
  ending?: Ending,
  sshPort?: number,
  names?: PeopleNames,
): string {
  const lines = [
    `${i.id}  ${i.status}`,
    `  owner:    ${personText(i.owner, names)}${i.ownerEmail ? ` <${i.ownerEmail}>` : ""}`,
    `  type:     ${i.serverType} in ${i.location}`,
  ];
  const ended = isEnded(i.status);
  const ssh = sshCommand(i, sshPort);
  if (ssh) lines.push(`  ssh:      ${ssh}`);
  if (i.ipv6 && !ended) lines.push(`  ipv6:     ${i.ipv6}`);
  lines.push(`  key:      ${i.sshKeyFingerprint}`);
  if (i.hostKey && !ended) lines.push(`  host key: ${hostKeyFingerprint(i.hostKey)}`);
  lines.push(`  created:  ${formatUtc(i.createdAt)}`);
  if (ended) {
    const at = ending?.at ?? i.deletedAt;
    lines.push(
      `  ended:    ${at ? formatUtc(at) : "unknown"}${ending ? ` (${i.status} by ${ending.by})` : ""}`,
    );
    lines.push(`  why:      ${ending?.why ?? i.failureReason ?? "not recorded"}`);
    if (ending?.detail) lines.push(`  detail:   ${ending.detail}`);
  } else {
    lines.push(`  expires:  ${formatUtc(i.expiresAt)} (${leftPhrase(i.expiresAt, now)})`);
    if (i.failureReason) lines.push(`  failed:   ${i.failureReason}`);
  }
  lines.push(...softwareLines(i));
  return lines.join("\n");
}
