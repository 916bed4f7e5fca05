import {
  type Instance,
  type InstanceStatus,
  LIVE_STATUSES,
  type PackageResult,
} from "../instances/instance.ts";

/** One line of the audit trail: every state change, refusal and notable action. */
export interface InstanceEvent {
  id: number;
  instanceId: string | null;
  at: Date;
  actor: string;
  kind: string;
  detail: string | null;
}

/** What the caller says about a change, for the audit trail. */
export interface EventNote {
  actor: string;
  kind: string;
  detail?: string | null;
}

export type NewInstance = Omit<
  Instance,
  | "hetznerServerId"
  | "ipv4"
  | "ipv6"
  | "status"
  | "failureReason"
  | "readyAt"
  | "deletedAt"
  | "hostKey"
  | "packageResults"
>;

export type InstancePatch = Partial<Omit<Instance, "id" | "owner" | "createdAt">>;

export interface InstanceRow {
  id: string;
  owner: string;
  owner_email: string | null;
  ssh_keys: string;
  ssh_key_fingerprint: string;
  server_type: string;
  location: string;
  hetzner_server_id: number | null;
  ipv4: string | null;
  ipv6: string | null;
  status: InstanceStatus;
  failure_reason: string | null;
  created_at: number;
  ready_at: number | null;
  expires_at: number;
  deleted_at: number | null;
  host_key: string | null;
  packages: string;
  package_results: string | null;
  requested_hours: number | null;
}

export interface EventRow {
  id: number;
  instance_id: string | null;
  at: number;
  actor: string;
  kind: string;
  detail: string | null;
}

export const COLUMNS: Record<keyof InstancePatch, keyof InstanceRow> = {
  ownerEmail: "owner_email",
  sshKeys: "ssh_keys",
  sshKeyFingerprint: "ssh_key_fingerprint",
  serverType: "server_type",
  location: "location",
  hetznerServerId: "hetzner_server_id",
  ipv4: "ipv4",
  ipv6: "ipv6",
  status: "status",
  failureReason: "failure_reason",
  readyAt: "ready_at",
  expiresAt: "expires_at",
  deletedAt: "deleted_at",
  hostKey: "host_key",
  packages: "packages",
  packageResults: "package_results",
  requestedHours: "requested_hours",
};

/**
 * "Is live" in SQL, from the one list of live statuses. Written exactly as the partial index
 * `instances_live_expiry` is, so SQLite uses it.
 */
export const LIVE_SQL = `status IN (${LIVE_STATUSES.map((s) => `'${s}'`).join(",")})`;

const toDate = (ms: number | null) => (ms === null ? null : new Date(ms));

export function fromRow(row: InstanceRow): Instance {
  return {
    id: row.id,
    owner: row.owner,
    ownerEmail: row.owner_email,
    sshKeys: JSON.parse(row.ssh_keys) as string[],
    sshKeyFingerprint: row.ssh_key_fingerprint,
    serverType: row.server_type,
    location: row.location,
    hetznerServerId: row.hetzner_server_id,
    ipv4: row.ipv4,
    ipv6: row.ipv6,
    status: row.status,
    failureReason: row.failure_reason,
    createdAt: new Date(row.created_at),
    readyAt: toDate(row.ready_at),
    expiresAt: new Date(row.expires_at),
    deletedAt: toDate(row.deleted_at),
    hostKey: row.host_key,
    packages: JSON.parse(row.packages) as string[],
    packageResults:
      row.package_results === null ? null : (JSON.parse(row.package_results) as PackageResult[]),
    requestedHours: row.requested_hours,
  };
}

export function eventFromRow(r: EventRow): InstanceEvent {
  return {
    id: r.id,
    instanceId: r.instance_id,
    at: new Date(r.at),
    actor: r.actor,
    kind: r.kind,
    detail: r.detail,
  };
}

export function toColumnValue(key: keyof InstancePatch, value: unknown): unknown {
  if (key === "sshKeys" || key === "packages") return JSON.stringify(value ?? []);
  if (key === "packageResults") return value ? JSON.stringify(value) : null;
  if (value instanceof Date) return value.getTime();
  return value ?? null;
}
