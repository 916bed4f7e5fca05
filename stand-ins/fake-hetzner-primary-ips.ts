// Primary IPs of the fake Hetzner API (see fake-hetzner.ts): the addresses a server is created with.
// Like the live API: every server without given Primary IPs gets one IPv4 and one IPv6 made for it
// (`auto_delete: true`, so they go with the server); a server created with `public_net.ipv4/ipv6`
// takes those (unassigned, of the right type, in its location; `datacenter` is gone, as for servers). When a server's delete ends, its
// `auto_delete` IPs are deleted and the others are left unassigned. Assign and unassign need a
// powered-off server (`server_not_stopped`); since 1 May 2026 an assigned IP is not deleted
// (`must_be_unassigned`).
import { type Json, LOCATIONS, type LocationJson, loopbackIp, validLabels } from "./fake-hetzner-data.ts";
import {
  ApiError,
  type FakeServer,
  invalidInput,
  locked,
  notFound,
  now,
  type Reply,
  uniqueness,
} from "./fake-hetzner-resources.ts";
import type { FakeHetznerState } from "./fake-hetzner-state.ts";

export type IpType = "ipv4" | "ipv6";

export interface FakePrimaryIp extends Json {
  id: number;
  name: string;
  /** An address for IPv4, a /64 network for IPv6. */
  ip: string;
  type: IpType;
  assignee_id: number | null;
  assignee_type: "server";
  auto_delete: boolean;
  blocked: boolean;
  created: string;
  location: LocationJson;
  dns_ptr: { ip: string; dns_ptr: string }[];
  labels: Record<string, string>;
  protection: { delete: boolean };
}

function build(
  state: FakeHetznerState,
  type: IpType,
  ip: string,
  location: LocationJson,
  fields: { id?: number; name?: string; assignee: number | null; autoDelete: boolean; labels?: Json },
): FakePrimaryIp {
  const id = fields.id ?? state.id();
  const pip: FakePrimaryIp = {
    id,
    name: fields.name ?? `primary_ip-${id}`,
    ip,
    type,
    assignee_id: fields.assignee,
    assignee_type: "server",
    auto_delete: fields.autoDelete,
    blocked: false,
    created: now(),
    location,
    dns_ptr: [],
    labels: { ...((fields.labels as Record<string, string>) ?? {}) },
    protection: { delete: false },
  };
  state.primaryIps.set(pip.id, pip);
  return pip;
}

/**
 * The Primary IPs a new server takes from `public_net` (checked, nothing changed), or null per type
 * for one to be made. Refused like the live API: an unknown id, the wrong type, one assigned elsewhere,
 * another location.
 */
export function primaryIpsForNewServer(
  state: FakeHetznerState,
  publicNet: unknown,
  location: LocationJson,
): Record<IpType, FakePrimaryIp | null> {
  const chosen: Record<IpType, FakePrimaryIp | null> = { ipv4: null, ipv6: null };
  if (publicNet === undefined) return chosen;
  if (typeof publicNet !== "object" || publicNet === null || Array.isArray(publicNet)) {
    throw invalidInput(["public_net"], { public_net: "must be an object" });
  }
  const net = publicNet as Json;
  const unknown = Object.keys(net).filter((k) => !["enable_ipv4", "enable_ipv6", "ipv4", "ipv6"].includes(k));
  if (unknown.length > 0) {
    throw invalidInput(
      unknown.map((k) => `public_net.${k}`),
      Object.fromEntries(unknown.map((k) => [`public_net.${k}`, "unknown field"])),
    );
  }
  for (const type of ["ipv4", "ipv6"] as const) {
    const enabled = net[`enable_${type}`];
    if (enabled !== undefined && typeof enabled !== "boolean") {
      throw invalidInput([`public_net.enable_${type}`], {
        [`public_net.enable_${type}`]: "must be a boolean",
      });
    }
    // ccc's servers always have both; the fake does not model a server without one.
    if (enabled === false) {
      throw invalidInput([`public_net.enable_${type}`], {
        [`public_net.enable_${type}`]: "the fake always gives a server both addresses",
      });
    }
    const id = net[type];
    if (id === undefined || id === null) continue;
    if (typeof id !== "number" || !Number.isInteger(id)) {
      throw invalidInput([`public_net.${type}`], { [`public_net.${type}`]: "must be a Primary IP id" });
    }
    const pip = state.primaryIps.get(id);
    if (!pip) throw notFound("primary_ip", id);
    if (pip.type !== type) {
      throw new ApiError(422, "primary_ip_version_mismatch", `Primary IP ${id} is not of type ${type}`);
    }
    if (pip.assignee_id !== null) {
      throw new ApiError(422, "primary_ip_assigned", `Primary IP ${id} is already assigned to a server`);
    }
    if (pip.location.name !== location.name) {
      throw new ApiError(
        422,
        "primary_ip_datacenter_mismatch",
        `Primary IP ${id} is in ${pip.location.name}, the server in ${location.name}`,
      );
    }
    chosen[type] = pip;
  }
  return chosen;
}

/** Puts the chosen (or newly made, `auto_delete`) Primary IPs on a server just built. */
export function assignAtCreate(
  state: FakeHetznerState,
  server: FakeServer,
  chosen: Record<IpType, FakePrimaryIp | null>,
): void {
  const v4 = chosen.ipv4;
  if (v4) {
    v4.assignee_id = server.id;
    server.public_net.ipv4 = { ...server.public_net.ipv4, id: v4.id, ip: v4.ip, dns_ptr: `static.${v4.ip}` };
  } else {
    const { id, ip } = server.public_net.ipv4;
    build(state, "ipv4", ip, server.location, { id, assignee: server.id, autoDelete: true });
  }
  const v6 = chosen.ipv6;
  if (v6) {
    v6.assignee_id = server.id;
    server.public_net.ipv6 = { ...server.public_net.ipv6, id: v6.id, ip: v6.ip };
  } else {
    const { id, ip } = server.public_net.ipv6;
    build(state, "ipv6", ip, server.location, { id, assignee: server.id, autoDelete: true });
  }
}

/** The server's delete has ended: its `auto_delete` IPs go with it, the others stay, unassigned. */
export function releaseOnDelete(state: FakeHetznerState, serverId: number): void {
  for (const pip of [...state.primaryIps.values()]) {
    if (pip.assignee_id !== serverId) continue;
    if (pip.auto_delete) state.primaryIps.delete(pip.id);
    else pip.assignee_id = null;
  }
}

export function listPrimaryIps(state: FakeHetznerState, query: URLSearchParams): Reply {
  let items = state.filterByLabels([...state.primaryIps.values()], query);
  const name = query.get("name");
  if (name !== null) items = items.filter((p) => p.name === name);
  const ip = query.get("ip");
  if (ip !== null) items = items.filter((p) => p.ip === ip);
  return state.page("primary_ips", items, query);
}

export function getPrimaryIp(state: FakeHetznerState, id: number): Reply {
  return { status: 200, body: { primary_ip: primaryIp(state, id) } };
}

export function createPrimaryIp(state: FakeHetznerState, body: Json): Reply {
  const errors: Record<string, string> = {};
  if (typeof body.name !== "string" || body.name === "") errors.name = "is required";
  if (body.type !== "ipv4" && body.type !== "ipv6") errors.type = "must be ipv4 or ipv6";
  if (body.assignee_type !== "server") errors.assignee_type = "must be server";
  if (body.auto_delete !== undefined && typeof body.auto_delete !== "boolean")
    errors.auto_delete = "must be a boolean";
  if (body.labels !== undefined && !validLabels(body.labels)) errors.labels = "invalid labels";
  // `datacenter` went away with the servers' on 2026-07-01: a location, or the server it goes to.
  const places = ["assignee_id", "location"].filter((k) => body[k] !== undefined);
  if (places.length !== 1) errors.assignee_id = "give exactly one of assignee_id, location";
  if (Object.keys(errors).length > 0) throw invalidInput(Object.keys(errors), errors);
  if ([...state.primaryIps.values()].some((p) => p.name === body.name)) throw uniqueness("name");
  const type = body.type as IpType;
  let location: LocationJson | undefined;
  let server: FakeServer | null = null;
  if (body.assignee_id !== undefined) {
    server = state.server(Number(body.assignee_id));
    checkAssignable(server, type);
    location = server.location;
  } else {
    location = LOCATIONS.find((l) => l.name === body.location || l.id === body.location);
  }
  if (!location) throw invalidInput([places[0] as string], { [places[0] as string]: "not found" });
  const index = state.allocateIpIndex();
  const ip = type === "ipv4" ? loopbackIp(index) : `2001:db8:1:${index.toString(16)}::/64`;
  const pip = build(state, type, ip, location, {
    name: body.name as string,
    assignee: null,
    autoDelete: body.auto_delete === true,
    labels: body.labels as Json,
  });
  if (server) attach(server, pip);
  const action = server ? state.startAction("create_primary_ip", [{ id: server.id, type: "server" }]) : null;
  return { status: 201, body: { primary_ip: pip, action } };
}

export function updatePrimaryIp(state: FakeHetznerState, id: number, body: Json): Reply {
  const pip = primaryIp(state, id);
  const errors: Record<string, string> = {};
  if (body.name !== undefined && (typeof body.name !== "string" || body.name === "")) errors.name = "invalid";
  if (body.labels !== undefined && !validLabels(body.labels)) errors.labels = "invalid labels";
  if (body.auto_delete !== undefined && typeof body.auto_delete !== "boolean")
    errors.auto_delete = "must be a boolean";
  if (Object.keys(errors).length > 0) throw invalidInput(Object.keys(errors), errors);
  if (typeof body.name === "string") {
    if ([...state.primaryIps.values()].some((p) => p.name === body.name && p.id !== id))
      throw uniqueness("name");
    pip.name = body.name;
  }
  if (body.labels !== undefined) pip.labels = { ...(body.labels as Record<string, string>) };
  if (typeof body.auto_delete === "boolean") pip.auto_delete = body.auto_delete;
  return { status: 200, body: { primary_ip: pip } };
}

export function deletePrimaryIp(state: FakeHetznerState, id: number): Reply {
  const pip = primaryIp(state, id);
  if (pip.protection.delete) throw new ApiError(403, "protected", "Primary IP is delete protected");
  if (pip.assignee_id !== null) {
    throw new ApiError(422, "must_be_unassigned", `Primary IP ${id} is assigned: unassign it first`);
  }
  state.primaryIps.delete(id);
  return { status: 204, body: null };
}

export function assignPrimaryIp(state: FakeHetznerState, id: number, body: Json): Reply {
  const pip = primaryIp(state, id);
  if (body.assignee_type !== "server" || typeof body.assignee_id !== "number") {
    throw invalidInput(["assignee_id", "assignee_type"]);
  }
  if (pip.assignee_id !== null) {
    throw new ApiError(422, "primary_ip_assigned", `Primary IP ${id} is already assigned to a server`);
  }
  const server = state.unlockedServer(body.assignee_id);
  checkAssignable(server, pip.type);
  if (server.location.name !== pip.location.name) {
    throw new ApiError(422, "primary_ip_datacenter_mismatch", `Primary IP ${id} is in another location`);
  }
  attach(server, pip);
  const action = state.startAction("assign_primary_ip", [{ id: server.id, type: "server" }]);
  return { status: 201, body: { action } };
}

export function unassignPrimaryIp(state: FakeHetznerState, id: number): Reply {
  const pip = primaryIp(state, id);
  if (pip.assignee_id === null) throw invalidInput(["id"], { id: "the Primary IP is not assigned" });
  const server = state.server(pip.assignee_id);
  if (server.locked) throw locked("server");
  if (server.status !== "off") {
    throw new ApiError(422, "server_not_stopped", "The server is running, but needs to be powered off");
  }
  pip.assignee_id = null;
  const none = { id: 0, ip: "", blocked: false };
  // The live API shows the address gone from the server; the fake keeps the shape and empties it.
  if (pip.type === "ipv4") server.public_net.ipv4 = { ...none, dns_ptr: "" };
  else server.public_net.ipv6 = { ...none, dns_ptr: [] };
  const action = state.startAction("unassign_primary_ip", [{ id: server.id, type: "server" }]);
  return { status: 201, body: { action } };
}

function primaryIp(state: FakeHetznerState, id: number): FakePrimaryIp {
  const pip = state.primaryIps.get(id);
  if (!pip) throw notFound("primary_ip", id);
  return pip;
}

/** Assign needs a powered-off server without an address of that type. */
function checkAssignable(server: FakeServer, type: IpType): void {
  if (server.locked) throw locked("server");
  if (server.status !== "off") {
    throw new ApiError(422, "server_not_stopped", "The server is running, but needs to be powered off");
  }
  if (server.public_net[type].ip !== "") {
    throw new ApiError(422, `server_has_${type}`, `The server already has an ${type} address`);
  }
}

function attach(server: FakeServer, pip: FakePrimaryIp): void {
  pip.assignee_id = server.id;
  if (pip.type === "ipv4")
    server.public_net.ipv4 = { id: pip.id, ip: pip.ip, blocked: false, dns_ptr: `static.${pip.ip}` };
  else server.public_net.ipv6 = { id: pip.id, ip: pip.ip, blocked: false, dns_ptr: [] };
}
