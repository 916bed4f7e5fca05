// The fake Hetzner API's resources and handlers, free of HTTP (see fake-hetzner.ts for the server).
import {
  fingerprintOf,
  type Json,
  LOCATIONS,
  type LocationJson,
  paginate,
  parseLabelSelector,
  type ServerTypeJson,
  seedServerTypes,
  validHostname,
  validLabels,
} from "./fake-hetzner-data.ts";
import {
  ApiError,
  buildAction,
  buildServer,
  type FakeAction,
  type FakeServer,
  type FakeSshKey,
  finish,
  invalidInput,
  now,
  type Reply,
  uniqueness,
} from "./fake-hetzner-resources.ts";

export interface StateOptions {
  actionDurationMs: number;
  createActionError: { code: string; message: string } | null;
  /** Only the `start_server` action that follows a create fails. */
  startActionError: { code: string; message: string } | null;
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
      const startFailure = failure ?? this.options.startActionError;
      finish(start, startFailure);
      server.status = startFailure ? "off" : "running";
      if (!startFailure) this.options.onServerRunning?.(server);
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

  /** Several actions by id (`?id=1&id=2`), as Hetzner answers them since listing all was removed. */
  getActions(query: URLSearchParams): Reply {
    const ids = query.getAll("id").map(Number);
    if (ids.length === 0 || ids.some((id) => !Number.isInteger(id)))
      throw new ApiError(400, "invalid_input", "id is required");
    return this.page(
      "actions",
      ids.flatMap((id) => this.actions.get(id) ?? []),
      query,
    );
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
    if ((this.nextIp & 255) === 255) this.nextIp += 3;
    const ids = { server: this.id(), ipv4: this.id(), ipv6: this.id() };
    const server = buildServer(ids, this.nextIp++, name, type, location, image, labels);
    this.servers.set(server.id, server);
    return server;
  }

  private newAction(command: string, serverId: number): FakeAction {
    const action = buildAction(this.id(), command, serverId);
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
