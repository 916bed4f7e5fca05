/** What core needs from a cloud provider. `src/core/hetzner/hetzner-client.ts` implements it over Hetzner's API. */

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
  serverType: string;
  location: string | null;
  labels: Record<string, string>;
  created: Date;
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
}

export interface CreatedServer {
  server: CloudServer;
  /** The `create_server` action. */
  action: CloudAction;
  nextActions: CloudAction[];
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
  waitForAction(id: number, signal?: AbortSignal): Promise<CloudAction>;
  listServerTypes(signal?: AbortSignal): Promise<CloudServerType[]>;
  listLocations(signal?: AbortSignal): Promise<CloudLocation[]>;
  /** Finds the key by fingerprint or uploads it; a `uniqueness_error` race resolves to the existing key. */
  ensureSshKey(
    name: string,
    publicKey: string,
    signal?: AbortSignal,
  ): Promise<{ id: number; fingerprint: string }>;
  /** HTTP requests sent so far (retries included): the lifecycle must stay frugal. */
  readonly requestCount: number;
}
