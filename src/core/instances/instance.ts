import { randomBytes } from "node:crypto";
import { UserError } from "../errors.ts";
import { normalizeInstanceId } from "./instance-id.ts";

export const INSTANCE_STATUSES = [
  "creating",
  "installing",
  "ready",
  "failed",
  "deleting",
  "deleted",
] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/**
 * Statuses of an instance that may have a server running (and costing money). The one definition:
 * lists, quotas, the sweep, the reconciler and the store's SQL all take it from here.
 */
export const LIVE_STATUSES: readonly InstanceStatus[] = ["creating", "installing", "ready", "deleting"];

/** Live and not on its way out: such a machine may be extended and is reminded before it expires. */
export const RUNNING_STATUSES: readonly InstanceStatus[] = ["creating", "installing", "ready"];

export function isLive(status: InstanceStatus): boolean {
  return LIVE_STATUSES.includes(status);
}

/** Over for good: nothing runs, nothing to connect to. */
export function isEnded(status: InstanceStatus): boolean {
  return status === "failed" || status === "deleted";
}

export function isRunning(status: InstanceStatus): boolean {
  return RUNNING_STATUSES.includes(status);
}

/**
 * Deleting or deleted: someone wants it gone, so nothing may build on it, label it or fail it any
 * more. The one definition of "deleted meanwhile".
 */
export function isGoingAway(status: InstanceStatus | undefined): boolean {
  return status === "deleting" || status === "deleted";
}

/** One machine a user asked for, as the store keeps it. Times are UTC `Date`s. */
export interface Instance {
  id: string;
  /** A Slack user id (`U…`) or an operator name. */
  owner: string;
  ownerEmail: string | null;
  /** Normalised one-line OpenSSH public keys (the user's key first). */
  sshKeys: string[];
  /** SHA256 fingerprint of the first key, as `SHA256:…`. */
  sshKeyFingerprint: string;
  serverType: string;
  location: string;
  hetznerServerId: number | null;
  ipv4: string | null;
  ipv6: string | null;
  status: InstanceStatus;
  failureReason: string | null;
  createdAt: Date;
  readyAt: Date | null;
  expiresAt: Date;
  /** When it ended: deleted, or failed (its server gone). */
  deletedAt: Date | null;
  /** The machine's SSH host key (`ssh-ed25519 …`), made by ccc before the install; null until then. */
  hostKey: string | null;
  /** Extra nixpkgs packages the owner asked for (none for older records). */
  packages?: string[];
  /** How installing each of them went; null until the machine is handed over. */
  packageResults?: PackageResult[] | null;
  /** The lifetime asked for at provision (null for older records). */
  requestedHours?: number | null;
}

/** One extra package after the install: there, or why not (Nix's own last words). */
export interface PackageResult {
  name: string;
  ok: boolean;
  error?: string;
}

const ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
/** `ccc-` and six characters without look-alikes (no l, o, 0, 1): valid as a Hetzner server name. */
export const INSTANCE_ID_PATTERN = /^ccc-[a-km-np-z2-9]{6}$/;

export function newInstanceId(random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(6);
  let id = "ccc-";
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

export function isInstanceId(value: string): boolean {
  return INSTANCE_ID_PATTERN.test(value);
}

/** An id as typed (any case, spaces around it), checked before anything looks it up. */
export function parseInstanceId(value: string): string {
  const id = normalizeInstanceId(value);
  if (!isInstanceId(id)) {
    throw new UserError(`"${value.slice(0, 30)}" is not an instance id; ids look like ccc-7f3k2q.`, {
      field: "id",
    });
  }
  return id;
}
