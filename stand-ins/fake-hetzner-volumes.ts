// Volumes in the fake Hetzner API (see fake-hetzner.ts). A volume lives in one location, serves at
// most one server at a time, and only one in its own location; an attached volume cannot be deleted.
// Attach and detach lock the server until their action ends, as on the live API.
import {
  type Json,
  LOCATIONS,
  type LocationJson,
  sortItems,
  validLabels,
  validVolumeName,
} from "./fake-hetzner-data.ts";
import {
  ApiError,
  type FakeServer,
  type FakeVolume,
  invalidInput,
  invalidRequest,
  notFound,
  now,
  type Reply,
  uniqueness,
} from "./fake-hetzner-resources.ts";
import type { FakeHetznerState } from "./fake-hetzner-state.ts";

const MIN_GB = 10;
const MAX_GB = 10_240;

export function listVolumes(state: FakeHetznerState, query: URLSearchParams): Reply {
  let volumes = state.filterByLabels([...state.volumes.values()], query);
  const name = query.get("name");
  if (name !== null) volumes = volumes.filter((v) => v.name === name);
  const statuses = query.getAll("status");
  if (statuses.length > 0) volumes = volumes.filter((v) => statuses.includes(v.status));
  const sorted = sortItems(volumes, query.getAll("sort"), ["id", "name", "created"]);
  if (sorted === "sort") throw invalidInput(["sort"]);
  return state.page("volumes", sorted, query);
}

export function getVolume(state: FakeHetznerState, id: number): Reply {
  return { status: 200, body: { volume: volume(state, id) } };
}

/** With `server` the volume is made in that server's location and attached by a next action. */
export function createVolume(state: FakeHetznerState, body: Json): Reply {
  const errors: Record<string, string> = {};
  if (!validVolumeName(body.name)) errors.name = "must be 1-64 alphanumerics, '-', '_' or '.'";
  if (!Number.isInteger(body.size) || (body.size as number) < MIN_GB || (body.size as number) > MAX_GB) {
    errors.size = `must be an integer from ${MIN_GB} to ${MAX_GB}`;
  }
  if (body.format !== undefined && body.format !== "xfs" && body.format !== "ext4") {
    errors.format = "must be xfs or ext4";
  }
  if (body.automount !== undefined && typeof body.automount !== "boolean")
    errors.automount = "must be a boolean";
  else if (body.automount === true && body.server === undefined) errors.automount = "requires server";
  if (body.labels !== undefined && !validLabels(body.labels)) errors.labels = "invalid labels";
  const server = body.server === undefined ? null : state.servers.get(Number(body.server));
  if (body.server !== undefined && (!Number.isInteger(body.server) || !server))
    errors.server = "server not found";
  const location =
    body.location === undefined
      ? server?.location
      : LOCATIONS.find((l) => l.name === body.location || l.id === body.location);
  if (body.location === undefined && body.server === undefined)
    errors.location = "location or server is required";
  else if (body.location !== undefined && !location) errors.location = "location not found";
  else if (server && location && location.name !== server.location.name) {
    errors.location = "must be the server's location";
  }
  if (Object.keys(errors).length > 0) throw invalidInput(Object.keys(errors), errors);
  if (!location || typeof body.name !== "string") throw new Error("unreachable");
  if ([...state.volumes.values()].some((v) => v.name === body.name)) throw uniqueness("name");
  if (server) state.unlockedServer(server.id);

  const created = newVolume(state, body.name, body.size as number, location, body);
  const action = state.startAction("create_volume", [{ id: created.id, type: "volume" }], (error) => {
    if (error) state.volumes.delete(created.id);
    else created.status = "available";
  });
  const next = server ? [attach(state, created, server)] : [];
  return { status: 201, body: { volume: created, action, next_actions: next } };
}

export function deleteVolume(state: FakeHetznerState, id: number): Reply {
  const found = volume(state, id);
  if (found.server !== null) {
    throw new ApiError(422, "volume_already_attached", "volume is attached to a server, detach it first");
  }
  state.volumes.delete(id);
  return { status: 204, body: null };
}

export function attachVolume(state: FakeHetznerState, id: number, body: Json): Reply {
  const found = volume(state, id);
  if (!Number.isInteger(body.server)) throw invalidInput(["server"], { server: "is required" });
  if (body.automount !== undefined && typeof body.automount !== "boolean") throw invalidInput(["automount"]);
  const server = state.servers.get(body.server as number);
  if (!server) throw invalidInput(["server"], { server: "server not found" });
  if (found.server !== null) {
    throw new ApiError(
      422,
      "volume_already_attached",
      `volume is already attached to server ${found.server}`,
    );
  }
  if (server.location.name !== found.location.name) {
    throw invalidRequest("volume and server must be in the same location");
  }
  state.unlockedServer(server.id);
  return { status: 201, body: { action: attach(state, found, server) } };
}

export function detachVolume(state: FakeHetznerState, id: number): Reply {
  const found = volume(state, id);
  if (found.server === null) throw invalidRequest("volume is not attached to a server");
  const server = state.unlockedServer(found.server);
  found.server = null;
  server.volumes = server.volumes.filter((v) => v !== found.id);
  server.locked = true;
  const resources = [
    { id: server.id, type: "server" as const },
    { id: found.id, type: "volume" as const },
  ];
  const action = state.startAction("detach_volume", resources, () => {
    server.locked = false;
  });
  return { status: 201, body: { action } };
}

/** The volumes a new server asks for (`volumes: [ids]`): existing, free, in its location. */
export function volumesForNewServer(
  state: FakeHetznerState,
  ids: unknown,
  location: LocationJson,
): FakeVolume[] {
  if (ids === undefined) return [];
  if (!Array.isArray(ids) || !ids.every(Number.isInteger)) throw invalidInput(["volumes"]);
  return ids.map((id: number) => {
    const found = state.volumes.get(id);
    if (!found) throw invalidInput(["volumes"], { volumes: `volume ${id} not found` });
    if (found.server !== null) {
      throw new ApiError(422, "volume_already_attached", `volume ${id} is already attached to a server`);
    }
    if (found.location.name !== location.name) {
      throw invalidRequest(`volume ${id} is not in location ${location.name}`);
    }
    return found;
  });
}

/** Volumes given at create are attached with the server, no action of their own. */
export function attachAtCreate(server: FakeServer, volumes: FakeVolume[]): void {
  for (const v of volumes) v.server = server.id;
  server.volumes = volumes.map((v) => v.id);
}

function attach(state: FakeHetznerState, found: FakeVolume, server: FakeServer) {
  found.server = server.id;
  server.volumes = [...server.volumes, found.id];
  server.locked = true;
  const resources = [
    { id: server.id, type: "server" as const },
    { id: found.id, type: "volume" as const },
  ];
  return state.startAction("attach_volume", resources, (error) => {
    server.locked = false;
    if (!error) return;
    found.server = null;
    server.volumes = server.volumes.filter((v) => v !== found.id);
  });
}

function newVolume(state: FakeHetznerState, name: string, size: number, location: LocationJson, body: Json) {
  const id = state.id();
  const created: FakeVolume = {
    id,
    name,
    size,
    status: "creating",
    server: null,
    location,
    linux_device: `/dev/disk/by-id/scsi-0HC_Volume_${id}`,
    format: (body.format as string | undefined) ?? null,
    labels: { ...((body.labels as Record<string, string>) ?? {}) },
    protection: { delete: false },
    created: now(),
  };
  state.volumes.set(id, created);
  return created;
}

function volume(state: FakeHetznerState, id: number): FakeVolume {
  const found = state.volumes.get(id);
  if (!found) throw notFound("volume", id);
  return found;
}
