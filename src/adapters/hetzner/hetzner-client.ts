import { ExternalError } from "../../core/errors.ts";
import type { Clock } from "../../core/ports/clock.ts";
import type {
  CloudAction,
  CloudApi,
  CloudLocation,
  CloudServer,
  CloudServerType,
  CreatedServer,
  CreateServerInput,
  WaitOptions,
} from "../../core/ports/cloud.ts";
import { DEFAULT_POLL, DEFAULT_RETRY, type PollOptions, pollDelay, type RetryOptions } from "./backoff.ts";
import { type CloudImage, HetznerImages } from "./hetzner-images.ts";
import { type CloudPricing, HetznerPricing } from "./hetzner-pricing.ts";
import { HetznerPrimaryIps } from "./hetzner-primary-ips.ts";
import { HetznerVolumes } from "./hetzner-volumes.ts";
import { HetznerHttp, type HttpOptions, type RateLimitState } from "./http.ts";
import { isNotFound, listAll } from "./resource-helpers.ts";
import {
  actionResponse,
  actionsPage,
  createServerResponse,
  locationsPage,
  serverResponse,
  serversPage,
  serverTypesPage,
  sshKeyResponse,
  sshKeysPage,
  toCloudAction,
  toCloudLocation,
  toCloudServer,
  toCloudServerType,
  toCreatedServer,
} from "./schemas.ts";
import { hetznerFingerprint } from "./ssh-fingerprint.ts";

export interface HetznerClientOptions {
  /** API base, e.g. `https://api.hetzner.cloud/v1` (or a fake's URL in tests). */
  endpoint: string;
  token: string;
  clock: Clock;
  fetch?: typeof fetch;
  retry?: Partial<RetryOptions>;
  poll?: Partial<PollOptions>;
  /** Source of jitter in [0, 1]. */
  random?: () => number;
  userAgent?: string;
  /** Per request; a request that hangs longer is retried like a network error (default 30 s). */
  requestTimeoutMs?: number;
  /** Told of every request attempt (the bot counts them for /metrics). */
  onExchange?: HttpOptions["onExchange"];
}

/** The cloud port over Hetzner's HTTP API, retrying like hcloud-go. */
export class HetznerClient implements CloudApi {
  /** Volumes, snapshots and prices: over the same connection, retries and request count. */
  readonly volumes: HetznerVolumes;
  readonly images: HetznerImages;
  readonly pricing: HetznerPricing;
  readonly primaryIps: HetznerPrimaryIps;
  private readonly http: HetznerHttp;
  private readonly clock: Clock;
  private readonly poll: PollOptions;

  constructor(options: HetznerClientOptions) {
    this.clock = options.clock;
    this.poll = { ...DEFAULT_POLL, ...options.poll };
    this.http = new HetznerHttp({
      endpoint: options.endpoint,
      token: options.token,
      clock: options.clock,
      fetch: options.fetch ?? globalThis.fetch,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      random: options.random ?? Math.random,
      userAgent: options.userAgent ?? "ccc",
      timeoutMs: options.requestTimeoutMs ?? 30_000,
      onExchange: options.onExchange,
    });
    this.volumes = new HetznerVolumes(this.http);
    this.images = new HetznerImages(this.http);
    this.pricing = new HetznerPricing(this.http);
    this.primaryIps = new HetznerPrimaryIps(this.http);
  }

  get requestCount(): number {
    return this.http.requestCount;
  }

  /** Rate-limit headers of the last response, `null` before the first one. */
  get rateLimit(): Readonly<RateLimitState> | null {
    return this.http.rateLimit;
  }

  async createServer(input: CreateServerInput, signal?: AbortSignal): Promise<CreatedServer> {
    const body = {
      name: input.name,
      server_type: input.serverType,
      image: input.image,
      location: input.location,
      ssh_keys: input.sshKeys,
      labels: input.labels,
      ...(input.volumes ? { volumes: input.volumes } : {}),
      ...(input.primaryIps ? { public_net: publicNet(input.primaryIps) } : {}),
      start_after_create: true,
    };
    const res = await this.http.request("POST", "/servers", createServerResponse, { body, signal });
    return toCreatedServer(res);
  }

  async getServer(id: number, signal?: AbortSignal): Promise<CloudServer | null> {
    try {
      const res = await this.http.request("GET", `/servers/${id}`, serverResponse, { signal });
      return toCloudServer(res.server);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async listServers(labelSelector?: string, signal?: AbortSignal): Promise<CloudServer[]> {
    const pages = await listAll(
      this.http,
      "/servers",
      serversPage,
      { label_selector: labelSelector },
      signal,
    );
    return pages.flatMap((p) => p.servers.map(toCloudServer));
  }

  async deleteServer(id: number, signal?: AbortSignal): Promise<CloudAction | "gone" | "deleting"> {
    try {
      const res = await this.http.request("DELETE", `/servers/${id}`, actionResponse, { signal });
      return toCloudAction(res.action);
    } catch (error) {
      if (isNotFound(error)) return "gone";
      // A delete already running (ours, retried after its answer was lost, or another process's)
      // locks the server: that is the outcome asked for, not a failure.
      if (error instanceof ExternalError && error.code === "locked") {
        const server = await this.getServer(id, signal);
        if (server === null) return "gone";
        if (server.status === "deleting") return "deleting";
      }
      throw error;
    }
  }

  async setServerLabels(
    id: number,
    labels: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<CloudServer> {
    const res = await this.http.request("PUT", `/servers/${id}`, serverResponse, {
      body: { labels },
      signal,
    });
    return toCloudServer(res.server);
  }

  async renameServer(
    id: number,
    name: string,
    labels: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<CloudServer> {
    const res = await this.http.request("PUT", `/servers/${id}`, serverResponse, {
      body: { name, labels },
      signal,
    });
    return toCloudServer(res.server);
  }

  async getAction(id: number, signal?: AbortSignal): Promise<CloudAction> {
    const res = await this.http.request("GET", `/actions/${id}`, actionResponse, { signal });
    return toCloudAction(res.action);
  }

  async getActions(ids: number[], signal?: AbortSignal): Promise<CloudAction[]> {
    if (ids.length === 0) return [];
    const res = await this.http.request("GET", "/actions", actionsPage, { query: { id: ids }, signal });
    return res.actions.map(toCloudAction);
  }

  async waitForAction(id: number, signal?: AbortSignal, options: WaitOptions = {}): Promise<CloudAction> {
    // A minute-long action polled like a second-long one costs two dozen requests; this way eight.
    const poll = options.slow
      ? { initialMs: this.poll.initialMs * 4, factor: 2, maxMs: this.poll.maxMs * 4 }
      : this.poll;
    // Sleep before each poll: callers hold a fresh `running` action, so an immediate GET is wasted.
    for (let attempt = 0; ; attempt++) {
      await this.clock.sleep(pollDelay(attempt, poll), signal);
      const action = await this.getAction(id, signal);
      if (action.status === "success") return action;
      if (action.status === "error") {
        throw new ExternalError(
          "hetzner",
          action.error?.code ?? "action_failed",
          action.error?.message ?? `Action ${id} (${action.command}) failed`,
        );
      }
    }
  }

  createSnapshot(
    serverId: number,
    options: { description?: string; labels?: Record<string, string> },
    signal?: AbortSignal,
  ): Promise<{ image: CloudImage; action: CloudAction }> {
    return this.images.createSnapshot(serverId, options, signal);
  }

  getImage(id: number, signal?: AbortSignal): Promise<CloudImage | null> {
    return this.images.get(id, signal);
  }

  listSnapshots(labelSelector?: string, signal?: AbortSignal): Promise<CloudImage[]> {
    return this.images.list({ type: ["snapshot"], ...(labelSelector ? { labelSelector } : {}) }, signal);
  }

  deleteImage(id: number, signal?: AbortSignal): Promise<"deleted" | "gone"> {
    return this.images.delete(id, signal);
  }

  setImageLabels(id: number, labels: Record<string, string>, signal?: AbortSignal): Promise<CloudImage> {
    return this.images.setLabels(id, labels, signal);
  }

  getPricing(signal?: AbortSignal): Promise<CloudPricing> {
    return this.pricing.get(signal);
  }

  async listServerTypes(signal?: AbortSignal): Promise<CloudServerType[]> {
    const pages = await listAll(this.http, "/server_types", serverTypesPage, {}, signal);
    return pages.flatMap((p) => p.server_types.map(toCloudServerType));
  }

  async listLocations(signal?: AbortSignal): Promise<CloudLocation[]> {
    const pages = await listAll(this.http, "/locations", locationsPage, {}, signal);
    return pages.flatMap((p) => p.locations.map(toCloudLocation));
  }

  async ensureSshKey(
    name: string,
    publicKey: string,
    signal?: AbortSignal,
  ): Promise<{ id: number; fingerprint: string }> {
    const fingerprint = hetznerFingerprint(publicKey);
    const existing = await this.findSshKey(fingerprint, signal);
    if (existing) return existing;
    try {
      const body = { name, public_key: publicKey.trim() };
      const res = await this.http.request("POST", "/ssh_keys", sshKeyResponse, { body, signal });
      return { id: res.ssh_key.id, fingerprint: res.ssh_key.fingerprint };
    } catch (error) {
      // Someone uploaded the same key between our lookup and our POST: theirs is as good as ours.
      // A clash on the name alone (another key) finds nothing here and stays an error.
      if (error instanceof ExternalError && error.code === "uniqueness_error") {
        const raced = await this.findSshKey(fingerprint, signal);
        if (raced) return raced;
      }
      throw error;
    }
  }

  private async findSshKey(
    fingerprint: string,
    signal: AbortSignal | undefined,
  ): Promise<{ id: number; fingerprint: string } | null> {
    const res = await this.http.request("GET", "/ssh_keys", sshKeysPage, { query: { fingerprint }, signal });
    const key = res.ssh_keys[0];
    return key ? { id: key.id, fingerprint: key.fingerprint } : null;
  }
}

/** Both addresses on, with the given Primary IPs where there are some (Hetzner makes the others). */
function publicNet(ids: NonNullable<CreateServerInput["primaryIps"]>): Record<string, unknown> {
  return {
    enable_ipv4: true,
    enable_ipv6: true,
    ...(ids.ipv4 !== null ? { ipv4: ids.ipv4 } : {}),
    ...(ids.ipv6 !== null ? { ipv6: ids.ipv6 } : {}),
  };
}
