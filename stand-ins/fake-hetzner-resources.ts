// Resource shapes and error answers of the fake Hetzner API (see fake-hetzner.ts).
import { type Json, type LocationJson, loopbackIp, type ServerTypeJson } from "./fake-hetzner-data.ts";

export interface FakeServer extends Json {
  id: number;
  name: string;
  status: string;
  created: string;
  labels: Record<string, string>;
  /** True while an action that excludes others (delete, create_image, volume attach/detach) runs on it. */
  locked: boolean;
  public_net: {
    ipv4: { id: number; ip: string; blocked: boolean; dns_ptr: string };
    ipv6: { id: number; ip: string; blocked: boolean; dns_ptr: { ip: string; dns_ptr: string }[] };
    floating_ips: number[];
    firewalls: unknown[];
  };
  server_type: ServerTypeJson;
  location: LocationJson;
  image: FakeImage;
  volumes: number[];
}

export interface ActionResource {
  id: number;
  type: "server" | "volume" | "image";
}

export interface FakeAction extends Json {
  id: number;
  command: string;
  status: "running" | "success" | "error";
  progress: number;
  started: string;
  finished: string | null;
  resources: ActionResource[];
  error: { code: string; message: string } | null;
}

export interface FakeSshKey extends Json {
  id: number;
  name: string;
  fingerprint: string;
  public_key: string;
}

export interface FakeVolume extends Json {
  id: number;
  name: string;
  size: number;
  status: "creating" | "available";
  server: number | null;
  location: LocationJson;
  linux_device: string;
  format: string | null;
  labels: Record<string, string>;
  created: string;
}

export interface FakeImage extends Json {
  id: number;
  type: "system" | "app" | "snapshot" | "backup";
  status: "available" | "creating" | "unavailable";
  name: string | null;
  description: string;
  architecture: "x86" | "arm";
  image_size: number | null;
  disk_size: number;
  bound_to: number | null;
  created_from: { id: number; name: string } | null;
  labels: Record<string, string>;
}

/** A Hetzner error answer: thrown by handlers, written by the server. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Json | null = null,
  ) {
    super(message);
  }
}

export interface Reply {
  status: number;
  /** `null` for 204 No Content. */
  body: Json | null;
}

export function buildServer(
  ids: { server: number; ipv4: number; ipv6: number },
  ipIndex: number,
  name: string,
  type: ServerTypeJson,
  location: LocationJson,
  image: FakeImage,
  labels?: Json,
): FakeServer {
  const ipv4 = loopbackIp(ipIndex);
  return {
    id: ids.server,
    name,
    status: "initializing",
    created: now(),
    labels: { ...((labels as Record<string, string>) ?? {}) },
    public_net: {
      ipv4: { id: ids.ipv4, ip: ipv4, blocked: false, dns_ptr: `static.${ipv4}.clients.your-server.de` },
      ipv6: { id: ids.ipv6, ip: `2001:db8:0:${ipIndex.toString(16)}::/64`, blocked: false, dns_ptr: [] },
      floating_ips: [],
      firewalls: [],
    },
    private_net: [],
    server_type: type,
    location,
    image: { ...image, labels: { ...image.labels } },
    iso: null,
    rescue_enabled: false,
    locked: false,
    backup_window: null,
    outgoing_traffic: 0,
    ingoing_traffic: 0,
    included_traffic: 21990232555520,
    protection: { delete: false, rebuild: false },
    volumes: [],
    load_balancers: [],
    primary_disk_size: type.disk,
    placement_group: null,
  };
}

export function buildAction(id: number, command: string, resources: ActionResource[]): FakeAction {
  return {
    id,
    command,
    status: "running",
    progress: 0,
    started: now(),
    finished: null,
    resources,
    error: null,
  };
}

export function finish(action: FakeAction, error: { code: string; message: string } | null): void {
  action.status = error ? "error" : "success";
  action.progress = error ? action.progress : 100;
  action.error = error;
  action.finished = now();
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Hetzner answers invalid input with 422 and, per field, what is wrong with it. */
export function invalidInput(fields: string[], messages: Record<string, string> = {}): ApiError {
  const quoted = fields.map((f) => `'${f}'`).join(", ");
  return new ApiError(
    422,
    "invalid_input",
    `invalid input in field${fields.length > 1 ? "s" : ""} ${quoted}`,
    {
      fields: fields.map((name) => ({ name, messages: [messages[name] ?? "is invalid"] })),
    },
  );
}

/** An `invalid_input` about the request as a whole, as the live API answers an unknown image. */
export function invalidRequest(message: string): ApiError {
  return new ApiError(422, "invalid_input", message, {});
}

export function uniqueness(field: string): ApiError {
  return new ApiError(409, "uniqueness_error", `${field} is already used`, { fields: [{ name: field }] });
}

export function notFound(kind: string, id: number): ApiError {
  return new ApiError(404, "not_found", `${kind} with ID '${id}' not found`);
}

/** Another action holds the resource (423, as the live API answers). */
export function locked(kind: string): ApiError {
  return new ApiError(423, "locked", `cannot perform operation because ${kind} is locked`);
}
