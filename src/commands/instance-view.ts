import type { Instance } from "../core/instances/instance.ts";

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
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function instanceJson(i: Instance): InstanceJson {
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
    ssh: sshCommand(i),
  };
}

/** `ssh claude@<ip>` once the machine has an address. */
export function sshCommand(i: Instance): string | null {
  return i.ipv4 ? `ssh claude@${i.ipv4}` : null;
}

/** "3 h 12 min", "45 min", "under a minute" or "expired". */
export function formatTimeLeft(expiresAt: Date, now: Date): string {
  const ms = expiresAt.getTime() - now.getTime();
  if (ms <= 0) return "expired";
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return "under a minute";
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** `2026-11-25 14:00 UTC`: the CLI speaks UTC, Slack shows each reader's own time. */
export function formatUtc(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
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

export function instanceTable(instances: Instance[], now: Date, showOwner: boolean): string {
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
    ...(showOwner ? [i.owner] : []),
    i.status,
    i.serverType,
    i.location,
    i.ipv4 ?? "-",
    formatUtc(i.expiresAt),
    formatTimeLeft(i.expiresAt, now),
  ]);
  return textTable(headers, rows);
}

/** Several lines about one instance, for `status` and after `provision`. */
export function instanceDetails(i: Instance, now: Date): string {
  const lines = [
    `${i.id}  ${i.status}`,
    `  owner:    ${i.owner}${i.ownerEmail ? ` <${i.ownerEmail}>` : ""}`,
    `  type:     ${i.serverType} in ${i.location}`,
  ];
  if (i.ipv4) lines.push(`  ssh:      ssh claude@${i.ipv4}`);
  if (i.ipv6) lines.push(`  ipv6:     ${i.ipv6}`);
  lines.push(`  key:      ${i.sshKeyFingerprint}`);
  lines.push(`  created:  ${formatUtc(i.createdAt)}`);
  if (i.status === "deleted" && i.deletedAt) lines.push(`  deleted:  ${formatUtc(i.deletedAt)}`);
  else lines.push(`  expires:  ${formatUtc(i.expiresAt)} (${leftPhrase(i.expiresAt, now)})`);
  if (i.failureReason) lines.push(`  failed:   ${i.failureReason}`);
  return lines.join("\n");
}

/** "3 h 12 min left" or "expired". */
export function leftPhrase(expiresAt: Date, now: Date): string {
  const left = formatTimeLeft(expiresAt, now);
  return left === "expired" ? left : `${left} left`;
}
