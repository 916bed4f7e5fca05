// The fake Hetzner API's resources and handlers, free of HTTP (see fake-hetzner.ts for the server).
import {
  fingerprintOf,
  type Json,
  LOCATIONS,
  type LocationJson,
  loopbackIp,
  paginate,
  parseLabelSelector,
  type ServerTypeJson,
  seedServerTypes,
  validHostname,
  validLabels,
} from "./fake-hetzner-data.ts";

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

export interface StateOptions {
  actionDurationMs: number;
  createActionError: { code: string; message: string } | null;
  onServerRunning: ((server: FakeServer) => void) | undefined;
}

export class FakeHetznerState {
  readonly servers = new Map<number, FakeServer>();
  readonly actions = new Map<number, FakeAction>();
  readonly sshKeys = new Map<number, FakeSshKey>();
  readonly serverTypes = seedServerTypes();
  readonly timers = new Set<NodeJS.Timeout>();
  private nextId = 1000;
  private nextIp = 2;

  constructor(readonly options: StateOptions) {}

  listServers(query: URLSearchParams): Reply {
    let servers = [...this.servers.values()];
    const selector = query.get("label_selector");
    if (selector !== null) {
      const matches = parseLabelSelector(selector);
      if (!matches) throw invalidInput(["label_selector"]);
      servers = servers.filter((s) => matches(s.labels));
    }
    const name = query.get("name");
    if (name !== null) servers = servers.filter((s) => s.name === name);
    const status = query.getAll("status");
    if (status.length > 0) servers = servers.filter((s) => status.includes(s.status));
    return this.page("servers", servers, query);
  }

  createServer(body: Json): Reply {
    const errors: Record<string, string> = {};
    if (!validHostname(body.name)) errors.name = "must be a valid hostname (RFC 1123)";
    const type = this.serverTypes.find((t) => t.name === body.server_type || t.id === body.server_type);
    if (!type) errors.server_type = "server type not found";
    if (typeof body.image !== "string" && typeof body.image !== "number") errors.image = "is required";
    const location =
      body.location === undefined
        ? LOCATIONS[0]
        : LOCATIONS.find((l) => l.name === body.location || l.id === body.location);
    if (!location) errors.location = "location not found";
    else if (type && !type.locations.some((l) => l.name === location.name)) {
      errors.location = `server type ${type.name} is not available in this location`;
    }
    if (body.labels !== undefined && !validLabels(body.labels)) errors.labels = "invalid labels";
    const sshKeys = body.ssh_keys ?? [];
    if (!Array.isArray(sshKeys) || !sshKeys.every((k) => this.findSshKey(k)))
      errors.ssh_keys = "ssh key not found";
    if (Object.keys(errors).length > 0) throw invalidInput(Object.keys(errors), errors);
    if (!type || !location || typeof body.name !== "string") throw new Error("unreachable");
    if ([...this.servers.values()].some((s) => s.name === body.name)) throw uniqueness("name");

    const server = this.newServer(body.name, type, location, String(body.image), body.labels as Json);
    const action = this.newAction("create_server", server.id);
    const start = this.newAction("start_server", server.id);
    this.later(() => {
      const failure = this.options.createActionError;
      finish(action, failure);
      finish(start, failure);
      server.status = failure ? "off" : "running";
      if (!failure) this.options.onServerRunning?.(server);
    });
    return { status: 201, body: { server, action, next_actions: [start], root_password: null } };
  }

  getServer(id: number): Reply {
    return { status: 200, body: { server: this.server(id) } };
  }

  updateServer(id: number, body: Json): Reply {
    const server = this.server(id);
    if (body.labels !== undefined && !validLabels(body.labels)) throw invalidInput(["labels"]);
    if (body.name !== undefined && !validHostname(body.name)) throw invalidInput(["name"]);
    if (body.labels !== undefined) server.labels = { ...(body.labels as Record<string, string>) };
    if (typeof body.name === "string") server.name = body.name;
    return { status: 200, body: { server } };
  }

  deleteServer(id: number): Reply {
    const server = this.server(id);
    server.status = "deleting";
    this.servers.delete(id);
    const action = this.newAction("delete_server", id);
    this.later(() => finish(action, null));
    return { status: 200, body: { action } };
  }

  getAction(id: number): Reply {
    const action = this.actions.get(id);
    if (!action) throw new ApiError(404, "not_found", `action with ID '${id}' not found`);
    return { status: 200, body: { action } };
  }

  listServerTypes(query: URLSearchParams): Reply {
    const name = query.get("name");
    return this.page(
      "server_types",
      this.serverTypes.filter((t) => name === null || t.name === name),
      query,
    );
  }

  listLocations(query: URLSearchParams): Reply {
    const name = query.get("name");
    return this.page(
      "locations",
      LOCATIONS.filter((l) => name === null || l.name === name),
      query,
    );
  }

  listSshKeys(query: URLSearchParams): Reply {
    const fingerprint = query.get("fingerprint");
    const name = query.get("name");
    const keys = [...this.sshKeys.values()].filter(
      (k) => (fingerprint === null || k.fingerprint === fingerprint) && (name === null || k.name === name),
    );
    return this.page("ssh_keys", keys, query);
  }

  createSshKey(body: Json): Reply {
    const errors: Record<string, string> = {};
    if (typeof body.name !== "string" || body.name.trim() === "") errors.name = "is required";
    const fingerprint = typeof body.public_key === "string" ? fingerprintOf(body.public_key) : null;
    if (!fingerprint) errors.public_key = "invalid public key";
    if (body.labels !== undefined && !validLabels(body.labels)) errors.labels = "invalid labels";
    if (Object.keys(errors).length > 0) throw invalidInput(Object.keys(errors), errors);
    const keys = [...this.sshKeys.values()];
    if (keys.some((k) => k.fingerprint === fingerprint)) throw uniqueness("public_key");
    if (keys.some((k) => k.name === body.name)) throw uniqueness("name");
    const key = this.addSshKey(String(body.name), String(body.public_key), (body.labels as Json) ?? {});
    return { status: 201, body: { ssh_key: key } };
  }

  /** Stores a key as if another client had uploaded it. */
  addSshKey(name: string, publicKey: string, labels: Json = {}): FakeSshKey {
    const fingerprint = fingerprintOf(publicKey);
    if (!fingerprint) throw new Error("fake: not an OpenSSH public key");
    const key = { id: this.id(), name, fingerprint, public_key: publicKey.trim(), labels, created: now() };
    this.sshKeys.set(key.id, key);
    return key;
  }

  private findSshKey(ref: unknown): FakeSshKey | undefined {
    return [...this.sshKeys.values()].find((k) => k.id === ref || k.name === ref || String(k.id) === ref);
  }

  private server(id: number): FakeServer {
    const server = this.servers.get(id);
    if (!server) throw new ApiError(404, "not_found", `server with ID '${id}' not found`);
    return server;
  }

  private page(key: string, items: unknown[], query: URLSearchParams): Reply {
    const result = paginate(items, query);
    if (typeof result === "string") throw invalidInput([result]);
    return { status: 200, body: { [key]: result.page, meta: result.meta } };
  }

  private newServer(
    name: string,
    type: ServerTypeJson,
    location: LocationJson,
    image: string,
    labels?: Json,
  ) {
    const id = this.id();
    if ((this.nextIp & 255) === 255) this.nextIp += 3;
    const n = this.nextIp++;
    const ipv4 = loopbackIp(n);
    const server: FakeServer = {
      id,
      name,
      status: "initializing",
      created: now(),
      labels: { ...((labels as Record<string, string>) ?? {}) },
      public_net: {
        ipv4: { id: this.id(), ip: ipv4, blocked: false, dns_ptr: `static.${ipv4}.clients.your-server.de` },
        ipv6: { id: this.id(), ip: `2001:db8:0:${n.toString(16)}::/64`, blocked: false, dns_ptr: [] },
        floating_ips: [],
        firewalls: [],
      },
      private_net: [],
      server_type: type,
      location,
      image: { id: 100_000 + id, name: image, description: image, type: "system", status: "available" },
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
    this.servers.set(id, server);
    return server;
  }

  private newAction(command: string, serverId: number): FakeAction {
    const action: FakeAction = {
      id: this.id(),
      command,
      status: "running",
      progress: 0,
      started: now(),
      finished: null,
      resources: [{ id: serverId, type: "server" }],
      error: null,
    };
    this.actions.set(action.id, action);
    return action;
  }

  private later(fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, this.options.actionDurationMs);
    this.timers.add(timer);
  }

  private id(): number {
    return this.nextId++;
  }
}

function finish(action: FakeAction, error: { code: string; message: string } | null): void {
  action.status = error ? "error" : "success";
  action.progress = error ? action.progress : 100;
  action.error = error;
  action.finished = now();
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

function invalidInput(fields: string[], messages: Record<string, string> = {}): ApiError {
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

function uniqueness(field: string): ApiError {
  return new ApiError(409, "uniqueness_error", `${field} is already used`, { fields: [{ name: field }] });
}
