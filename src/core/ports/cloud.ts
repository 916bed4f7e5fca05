/** What core needs from a cloud provider. `src/adapters/hetzner/hetzner-client.ts` implements it over Hetzner's API. */

export type ServerStatus =
  | "initializing"
  | "starting"
  | "running"
  | "stopping"
  | "off"
  | "deleting"
  | "migrating"
  | "rebuilding"
  | "unknown";

export interface CloudServer {
  id: number;
  name: string;
  status: ServerStatus;
  ipv4: string | null;
  /** The server's own IPv6 address (`::1` of its /64). */
  ipv6: string | null;
  /** The ids of the Primary IPs behind `ipv4` and `ipv6` (kept over a hibernation); absent when unknown. */
  primaryIpIds?: PrimaryIpIds;
  serverType: string;
  location: string | null;
  labels: Record<string, string>;
  created: Date;
}

/** A server's Primary IPs by type; null where it has none. */
export interface PrimaryIpIds {
  ipv4: number | null;
  ipv6: number | null;
}

/** A Primary IP: an address a server is created with, which can outlive the server (`autoDelete` false). */
export interface CloudPrimaryIp {
  id: number;
  name: string;
  /** The address (IPv4) or the /64 network (IPv6). */
  ip: string;
  type: "ipv4" | "ipv6";
  /** The server it is assigned to, or null. */
  assigneeId: number | null;
  /** Deleted with the server it is assigned to. */
  autoDelete: boolean;
  location: string | null;
  labels: Record<string, string>;
  created: Date;
}

/** The cloud's Primary IPs (`src/adapters/hetzner/hetzner-primary-ips.ts`). */
export interface PrimaryIpApi {
  /** All pages. `labelSelector` as Hetzner's. */
  list(labelSelector?: string, signal?: AbortSignal): Promise<CloudPrimaryIp[]>;
  /** `null` when there is no such Primary IP. */
  get(id: number, signal?: AbortSignal): Promise<CloudPrimaryIp | null>;
  /** Replaces what is given: labels (all of them), `autoDelete`, name. */
  update(
    id: number,
    patch: { labels?: Record<string, string>; autoDelete?: boolean; name?: string },
    signal?: AbortSignal,
  ): Promise<CloudPrimaryIp>;
  /** Refused while assigned (`must_be_unassigned`); "gone" when it did not exist. */
  delete(id: number, signal?: AbortSignal): Promise<"deleted" | "gone">;
}

export interface CloudAction {
  id: number;
  command: string;
  status: "running" | "success" | "error";
  progress: number;
  error: { code: string; message: string } | null;
}

export interface CloudServerType {
  name: string;
  description: string;
  cores: number;
  /** GB of RAM. */
  memoryGb: number;
  /** GB of disk. */
  diskGb: number;
  architecture: "x86" | "arm";
  /** Shared or dedicated vCPUs; unknown when the provider does not say. */
  cpuType?: "shared" | "dedicated";
  deprecated: boolean;
  /** Prices per location, gross (incl. VAT), as decimal strings from the API, e.g. "0.0080000000". */
  prices: { location: string; hourly: string; monthly: string }[];
  /** Locations where new servers of this type can be created (offered there and not deprecated there). */
  locations?: string[];
}

export interface CloudLocation {
  name: string;
  description: string;
  city: string;
  country: string;
  networkZone: string;
}

export type ImageType = "system" | "app" | "snapshot" | "backup";

/** A Hetzner image: a system image servers boot from, or a snapshot of a server's disk. */
export interface CloudImage {
  id: number;
  type: ImageType;
  status: "available" | "creating" | "unavailable";
  /** Only system images have one (e.g. `ubuntu-24.04`). */
  name: string | null;
  description: string;
  architecture: "x86" | "arm";
  /** GB stored, what a snapshot is billed by; null until it is made. */
  imageSizeGb: number | null;
  /** GB of the disk it holds: a server needs at least this much. */
  diskSizeGb: number;
  /** The server a snapshot or backup was made from. */
  createdFrom: { id: number; name: string } | null;
  labels: Record<string, string>;
  created: Date;
}

/** Hetzner's price list: gross prices (VAT included) as decimal strings, as in `CloudServerType`. */
export interface CloudPricing {
  /** ISO 4217, e.g. `EUR`. */
  currency: string;
  /** Percent, e.g. `19.00`. */
  vatRate: string;
  /** Per GB of volume size and month. */
  volumePerGbMonth: string;
  /** Per GB of snapshot (`image_size`) and month. */
  imagePerGbMonth: string;
  serverTypes: { name: string; prices: { location: string; hourly: string; monthly: string }[] }[];
  /** What a Primary IP costs per location (gross); absent when the price list has none. */
  primaryIps?: { type: "ipv4" | "ipv6"; prices: { location: string; hourly: string; monthly: string }[] }[];
}

export interface CreateServerInput {
  name: string;
  serverType: string;
  image: string;
  location: string;
  /** SSH key ids or names known to the project. */
  sshKeys: (number | string)[];
  labels: Record<string, string>;
  /** Volume ids to attach at creation (same location as the server). */
  volumes?: number[];
  /** Primary IPs to create it with (kept from before a hibernation); new ones are made where null. */
  primaryIps?: PrimaryIpIds;
}

export interface CreatedServer {
  server: CloudServer;
  /** The `create_server` action. */
  action: CloudAction;
  nextActions: CloudAction[];
}

export interface WaitOptions {
  /** A long action (a snapshot takes about a minute): polls start later and space out further. */
  slow?: boolean;
}

/** The cloud port: every call is one or more HTTP requests against the provider. */
export interface CloudApi {
  createServer(input: CreateServerInput, signal?: AbortSignal): Promise<CreatedServer>;
  /** `null` when the server does not exist (404). */
  getServer(id: number, signal?: AbortSignal): Promise<CloudServer | null>;
  /** All pages. `labelSelector` as Hetzner's, e.g. `managed-by=ccc`. */
  listServers(labelSelector?: string, signal?: AbortSignal): Promise<CloudServer[]>;
  /**
   * The delete action (not awaited); `"gone"` when the server was already deleted (404); `"deleting"`
   * when a delete is already under way (Hetzner refuses a second one as `locked`). A server locked by
   * any other action throws ExternalError `locked`: try again later.
   */
  deleteServer(id: number, signal?: AbortSignal): Promise<CloudAction | "gone" | "deleting">;
  /** Replaces the server's labels. */
  setServerLabels(id: number, labels: Record<string, string>, signal?: AbortSignal): Promise<CloudServer>;
  /** Renames the server and replaces its labels in one request. */
  renameServer(
    id: number,
    name: string,
    labels: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<CloudServer>;
  getAction(id: number, signal?: AbortSignal): Promise<CloudAction>;
  /** Several actions in one request (unknown ids are left out). */
  getActions(ids: number[], signal?: AbortSignal): Promise<CloudAction[]>;
  /** Polls until the action is no longer running: 500 ms, then ×1.5 up to 2.5 s. Throws ExternalError on `error`. */
  waitForAction(id: number, signal?: AbortSignal, options?: WaitOptions): Promise<CloudAction>;
  listServerTypes(signal?: AbortSignal): Promise<CloudServerType[]>;
  listLocations(signal?: AbortSignal): Promise<CloudLocation[]>;
  /** Finds the key by fingerprint or uploads it; a `uniqueness_error` race resolves to the existing key. */
  ensureSshKey(
    name: string,
    publicKey: string,
    signal?: AbortSignal,
  ): Promise<{ id: number; fingerprint: string }>;
  /** Starts a snapshot of the server's disk; the server is locked until the action ends. */
  createSnapshot(
    serverId: number,
    options: { description?: string; labels?: Record<string, string> },
    signal?: AbortSignal,
  ): Promise<{ image: CloudImage; action: CloudAction }>;
  /** `null` when there is no such image. */
  getImage(id: number, signal?: AbortSignal): Promise<CloudImage | null>;
  /** Snapshots only, all pages. */
  listSnapshots(labelSelector?: string, signal?: AbortSignal): Promise<CloudImage[]>;
  deleteImage(id: number, signal?: AbortSignal): Promise<"deleted" | "gone">;
  /** Replaces the image's labels. */
  setImageLabels(id: number, labels: Record<string, string>, signal?: AbortSignal): Promise<CloudImage>;
  /** Hetzner's price list (gross). */
  getPricing(signal?: AbortSignal): Promise<CloudPricing>;
  /** Volumes: people's work volumes. */
  readonly volumes: VolumeApi;
  /** The price list: volume prices shown before one is made. */
  readonly pricing: PricingApi;
  /** Primary IPs: a hibernated machine's addresses, kept for its wake. */
  readonly primaryIps: PrimaryIpApi;
  /** HTTP requests sent so far (retries included): the lifecycle must stay frugal. */
  readonly requestCount: number;
}

/** A volume: block storage in one location, attached to at most one server there. */
export interface CloudVolume {
  id: number;
  name: string;
  sizeGb: number;
  status: "creating" | "available";
  /** The server it is attached to, or null. */
  serverId: number | null;
  location: string;
  /** Where the server sees it, e.g. `/dev/disk/by-id/scsi-0HC_Volume_4711`. */
  linuxDevice: string;
  /** Filesystem made at creation, null when it was left unformatted. */
  format: string | null;
  labels: Record<string, string>;
  created: Date;
}

export interface CreateVolumeInput {
  name: string;
  sizeGb: number;
  /** Where to make it; without it, `serverId`'s location. */
  location?: string;
  /** Attach it to this server once made (a next action). */
  serverId?: number;
  format?: "xfs" | "ext4";
  /** Mount it on the server after attaching (needs `serverId`). */
  automount?: boolean;
  labels?: Record<string, string>;
}

/** The cloud's block storage (`src/adapters/hetzner/hetzner-volumes.ts`). */
export interface VolumeApi {
  create(
    input: CreateVolumeInput,
    signal?: AbortSignal,
  ): Promise<{ volume: CloudVolume; action: CloudAction; nextActions: CloudAction[] }>;
  list(labelSelector?: string, signal?: AbortSignal): Promise<CloudVolume[]>;
  /** `null` when there is no such volume. */
  get(id: number, signal?: AbortSignal): Promise<CloudVolume | null>;
  /** Refused for an attached volume. */
  delete(id: number, signal?: AbortSignal): Promise<"deleted" | "gone">;
  attach(id: number, serverId: number, automount?: boolean, signal?: AbortSignal): Promise<CloudAction>;
  detach(id: number, signal?: AbortSignal): Promise<CloudAction>;
}

/** `GET /pricing` (`src/adapters/hetzner/hetzner-pricing.ts`). */
export interface PricingApi {
  get(signal?: AbortSignal): Promise<CloudPricing>;
}
