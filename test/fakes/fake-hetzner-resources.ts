// Resource shapes and error answers of the fake Hetzner API (see fake-hetzner.ts).
import { type Json, type LocationJson, loopbackIp, type ServerTypeJson } from "./fake-hetzner-data.ts";

export interface FakeServer extends Json {
  id: number;
  name: string;
  status: string;
  created: string;
  labels: Record<string, string>;
  public_net: {
    ipv4: { id: number; ip: string; blocked: boolean; dns_ptr: string };
    ipv6: { id: number; ip: string; blocked: boolean; dns_ptr: { ip: string; dns_ptr: string }[] };
    floating_ips: number[];
    firewalls: unknown[];
  };
  server_type: ServerTypeJson;
  location: LocationJson;
}

export interface FakeAction extends Json {
  id: number;
  command: string;
  status: "running" | "success" | "error";
  progress: number;
  started: string;
  finished: string | null;
  resources: { id: number; type: string }[];
  error: { code: string; message: string } | null;
}

export interface FakeSshKey extends Json {
  id: number;
  name: string;
  fingerprint: string;
  public_key: string;
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
  body: Json;
}

export function buildServer(
  ids: { server: number; ipv4: number; ipv6: number },
  ipIndex: number,
  name: string,
  type: ServerTypeJson,
  location: LocationJson,
  image: string,
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
    image: { id: 100_000 + ids.server, name: image, description: image, type: "system", status: "available" },
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

export function buildAction(id: number, command: string, serverId: number): FakeAction {
  return {
    id,
    command,
    status: "running",
    progress: 0,
    started: now(),
    finished: null,
    resources: [{ id: serverId, type: "server" }],
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

export function invalidInput(fields: string[], messages: Record<string, string> = {}): ApiError {
  const quoted = fields.map((f) => `'${f}'`).join(", ");
  return new ApiError(
    400,
    "invalid_input",
    `invalid input in field${fields.length > 1 ? "s" : ""} ${quoted}`,
    {
      fields: fields.map((name) => ({ name, messages: [messages[name] ?? "is invalid"] })),
    },
  );
}

export function uniqueness(field: string): ApiError {
  return new ApiError(409, "uniqueness_error", `${field} is already used`, { fields: [{ name: field }] });
}
