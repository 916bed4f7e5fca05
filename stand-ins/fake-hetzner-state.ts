// The fake Hetzner API's resources and handlers, free of HTTP (see fake-hetzner.ts for the server).
// Servers, actions, locations and server types live here; SSH keys, volumes, images and pricing in
// their own files over this state.
import {
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
import { findImageForServer, seedSystemImages } from "./fake-hetzner-images.ts";
import {
  assignAtCreate,
  type FakePrimaryIp,
  primaryIpsForNewServer,
  releaseOnDelete,
} from "./fake-hetzner-primary-ips.ts";
import {
  type ActionResource,
  buildAction,
  buildServer,
  type FakeAction,
  type FakeImage,
  type FakeServer,
  type FakeSshKey,
  type FakeVolume,
  finish,
  invalidInput,
  locked,
  notFound,
  type Reply,
  uniqueness,
} from "./fake-hetzner-resources.ts";
import { findSshKey } from "./fake-hetzner-ssh-keys.ts";
import { attachAtCreate, volumesForNewServer } from "./fake-hetzner-volumes.ts";

export type ActionError = { code: string; message: string };

export interface StateOptions {
  actionDurationMs: number;
  /** Per command (`delete_server`, `create_image`, …); others take `actionDurationMs`. */
  actionDurations: Record<string, number>;
  createActionError: ActionError | null;
  /** Only the `start_server` action that follows a create fails. */
  startActionError: ActionError | null;
  onServerRunning: ((server: FakeServer) => void) | undefined;
}

interface Pending {
  command: string;
  run: () => void;
}

export class FakeHetznerState {
  readonly servers = new Map<number, FakeServer>();
  readonly actions = new Map<number, FakeAction>();
  readonly sshKeys = new Map<number, FakeSshKey>();
  readonly volumes = new Map<number, FakeVolume>();
  readonly primaryIps = new Map<number, FakePrimaryIp>();
  readonly images = new Map<number, FakeImage>(seedSystemImages().map((i) => [i.id, i]));
  readonly serverTypes = seedServerTypes();
  /** Action endings not yet due, by their timer. */
  readonly pending = new Map<NodeJS.Timeout, Pending>();
  private readonly actionFaults: { command: string; error: ActionError; remaining: number }[] = [];
  private nextId = 1000;
  private nextIp = 2;

  constructor(readonly options: StateOptions) {}

  listServers(query: URLSearchParams): Reply {
    let servers = this.filterByLabels([...this.servers.values()], query);
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
    if (!Array.isArray(sshKeys) || !sshKeys.every((k) => findSshKey(this, k)))
      errors.ssh_keys = "ssh key not found";
    for (const flag of ["start_after_create", "automount"]) {
      if (body[flag] !== undefined && typeof body[flag] !== "boolean") errors[flag] = "must be a boolean";
    }
    if (Object.keys(errors).length > 0) throw invalidInput(Object.keys(errors), errors);
    if (!type || !location || typeof body.name !== "string") throw new Error("unreachable");
    const image = findImageForServer(this, body.image as string | number, type);
    const volumes = volumesForNewServer(this, body.volumes, location);
    const addresses = primaryIpsForNewServer(this, body.public_net, location);
    if ([...this.servers.values()].some((s) => s.name === body.name)) throw uniqueness("name");

    const server = this.newServer(body.name, type, location, image, body.labels as Json);
    attachAtCreate(server, volumes);
    assignAtCreate(this, server, addresses);
    const start = body.start_after_create !== false;
    const action = buildAction(this.id(), "create_server", [{ id: server.id, type: "server" }]);
    const next = start ? [buildAction(this.id(), "start_server", [{ id: server.id, type: "server" }])] : [];
    for (const a of [action, ...next]) this.actions.set(a.id, a);
    const failure = this.takeActionFault("create_server") ?? this.options.createActionError;
    const startFailure = failure ?? this.takeActionFault("start_server") ?? this.options.startActionError;
    this.later("create_server", () => {
      finish(action, failure);
      for (const a of next) finish(a, startFailure);
      // Deleted while it was being created: it must not come back to life.
      if (this.servers.get(server.id) !== server || server.status === "deleting") return;
      const running = start && !startFailure;
      server.status = running ? "running" : "off";
      if (running) this.options.onServerRunning?.(server);
    });
    return { status: 201, body: { server, action, next_actions: next, root_password: null } };
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

  /**
   * Like the live API: the server stays listed, `deleting` and locked, until its delete action
   * ends; a second DELETE meanwhile is refused as `locked`.
   */
  deleteServer(id: number): Reply {
    const server = this.unlockedServer(id);
    server.status = "deleting";
    server.locked = true;
    const action = this.startAction("delete_server", [{ id, type: "server" }], (error) => {
      if (error) {
        server.status = "off";
        server.locked = false;
        return;
      }
      this.servers.delete(id);
      releaseOnDelete(this, id);
      for (const volume of this.volumes.values()) if (volume.server === id) volume.server = null;
      for (const image of this.images.values()) if (image.bound_to === id) this.images.delete(image.id);
    });
    return { status: 200, body: { action } };
  }

  /** Several actions by id (`?id=1&id=2`), as Hetzner answers them since listing all was removed. */
  getActions(query: URLSearchParams): Reply {
    const ids = query.getAll("id").map(Number);
    if (ids.length === 0 || ids.some((id) => !Number.isInteger(id))) throw invalidInput(["id"]);
    return this.page(
      "actions",
      ids.flatMap((id) => this.actions.get(id) ?? []),
      query,
    );
  }

  getAction(id: number): Reply {
    const action = this.actions.get(id);
    if (!action) throw notFound("action", id);
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

  /** The next `times` actions of `command` end in `error`. */
  failNextAction(command: string, error: ActionError, times: number): void {
    this.actionFaults.push({ command, error, remaining: times });
  }

  /** Ends every running action of `command` (or every one) now instead of when its time is up. */
  settle(command?: string): void {
    for (const [timer, entry] of [...this.pending]) {
      if (command !== undefined && entry.command !== command) continue;
      clearTimeout(timer);
      this.pending.delete(timer);
      entry.run();
    }
  }

  server(id: number): FakeServer {
    const server = this.servers.get(id);
    if (!server) throw notFound("server", id);
    return server;
  }

  /** The server, unless another action holds it. */
  unlockedServer(id: number): FakeServer {
    const server = this.server(id);
    if (server.locked) throw locked("server");
    return server;
  }

  /**
   * Starts an action that ends after its command's duration, in the error injected for it (if any);
   * `done` applies its effect.
   */
  startAction(
    command: string,
    resources: ActionResource[],
    done: (error: ActionError | null) => void = () => {},
  ): FakeAction {
    const action = buildAction(this.id(), command, resources);
    this.actions.set(action.id, action);
    const error = this.takeActionFault(command);
    this.later(command, () => {
      finish(action, error);
      done(error);
    });
    return action;
  }

  filterByLabels<T extends { labels: Record<string, string> }>(items: T[], query: URLSearchParams): T[] {
    const selector = query.get("label_selector");
    if (selector === null) return items;
    const matches = parseLabelSelector(selector);
    if (!matches) throw invalidInput(["label_selector"]);
    return items.filter((item) => matches(item.labels));
  }

  page(key: string, items: unknown[], query: URLSearchParams): Reply {
    const result = paginate(items, query);
    if (typeof result === "string") throw invalidInput([result]);
    return { status: 200, body: { [key]: result.page, meta: result.meta } };
  }

  id(): number {
    return this.nextId++;
  }

  /** The index of the next distinct loopback address (skipping .255, .0 and .1). */
  allocateIpIndex(): number {
    if ((this.nextIp & 255) === 255) this.nextIp += 3;
    return this.nextIp++;
  }

  private newServer(
    name: string,
    type: ServerTypeJson,
    location: LocationJson,
    image: FakeImage,
    labels?: Json,
  ) {
    const ids = { server: this.id(), ipv4: this.id(), ipv6: this.id() };
    const server = buildServer(ids, this.allocateIpIndex(), name, type, location, image, labels);
    this.servers.set(server.id, server);
    return server;
  }

  private takeActionFault(command: string): ActionError | null {
    const entry = this.actionFaults.find((f) => f.command === command && f.remaining > 0);
    if (!entry) return null;
    entry.remaining -= 1;
    return entry.error;
  }

  private later(command: string, run: () => void): void {
    const ms = this.options.actionDurations[command] ?? this.options.actionDurationMs;
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      run();
    }, ms);
    this.pending.set(timer, { command, run });
  }
}
