// Images in the fake Hetzner API: the system images servers boot from, and snapshots made with
// `POST /servers/{id}/actions/create_image` (see fake-hetzner.ts).
import { type Json, type ServerTypeJson, sortItems, validLabels } from "./fake-hetzner-data.ts";
import {
  ApiError,
  type FakeImage,
  invalidInput,
  invalidRequest,
  locked,
  notFound,
  now,
  type Reply,
} from "./fake-hetzner-resources.ts";
import type { FakeHetznerState } from "./fake-hetzner-state.ts";

const SYSTEM = [
  ["ubuntu-22.04", "ubuntu", "22.04"],
  ["ubuntu-24.04", "ubuntu", "24.04"],
  ["debian-12", "debian", "12"],
  ["debian-13", "debian", "13"],
] as const;

/** One system image per name and architecture, as Hetzner offers them (ids invented). */
export function seedSystemImages(): FakeImage[] {
  return SYSTEM.flatMap(([name, flavor, version], i) =>
    (["x86", "arm"] as const).map((architecture, a) => ({
      id: 200_000 + i * 2 + a,
      type: "system" as const,
      status: "available" as const,
      name,
      description: `${flavor === "ubuntu" ? "Ubuntu" : "Debian"} ${version}`,
      architecture,
      image_size: null,
      disk_size: 5,
      bound_to: null,
      created_from: null,
      created: "2024-04-25T12:00:00Z",
      deleted: null,
      deprecated: null,
      labels: {},
      os_flavor: flavor,
      os_version: version,
      protection: { delete: false },
      rapid_deploy: true,
    })),
  );
}

/**
 * The image a new server of `type` boots: a name picks that architecture's system image; an id
 * (number or decimal string) must name an available image of the same architecture.
 */
export function findImageForServer(
  state: FakeHetznerState,
  ref: string | number,
  type: ServerTypeJson,
): FakeImage {
  const images = [...state.images.values()];
  const byId = typeof ref === "number" || /^\d+$/.test(ref) ? state.images.get(Number(ref)) : undefined;
  const image = byId ?? images.find((i) => i.name === ref && i.architecture === type.architecture);
  if (!image) {
    if (images.some((i) => i.name === ref)) {
      throw invalidRequest(`image ${ref} is not available for architecture ${type.architecture}`);
    }
    throw invalidRequest("image not found");
  }
  if (image.architecture !== type.architecture) {
    throw invalidRequest(
      `image architecture ${image.architecture} does not match server type architecture ${type.architecture}`,
    );
  }
  if (image.status !== "available") throw invalidRequest("image is not available");
  return image;
}

export function listImages(state: FakeHetznerState, query: URLSearchParams): Reply {
  let images = state.filterByLabels([...state.images.values()], query);
  const types = query.getAll("type");
  if (types.some((t) => !["system", "app", "snapshot", "backup"].includes(t))) throw invalidInput(["type"]);
  if (types.length > 0) images = images.filter((i) => types.includes(i.type));
  const statuses = query.getAll("status");
  if (statuses.length > 0) images = images.filter((i) => statuses.includes(i.status));
  const boundTo = query.getAll("bound_to").map(Number);
  if (boundTo.length > 0) images = images.filter((i) => i.bound_to !== null && boundTo.includes(i.bound_to));
  const name = query.get("name");
  if (name !== null) images = images.filter((i) => i.name === name);
  const architecture = query.get("architecture");
  if (architecture !== null) images = images.filter((i) => i.architecture === architecture);
  const sorted = sortItems(images, query.getAll("sort"), ["id", "name", "created"]);
  if (sorted === "sort") throw invalidInput(["sort"]);
  return state.page("images", sorted, query);
}

export function getImage(state: FakeHetznerState, id: number): Reply {
  return { status: 200, body: { image: image(state, id) } };
}

/** Description and labels (labels replaced whole); `type` only turns a backup into a snapshot. */
export function updateImage(state: FakeHetznerState, id: number, body: Json): Reply {
  const found = image(state, id);
  const errors: Record<string, string> = {};
  if (body.description !== undefined && typeof body.description !== "string")
    errors.description = "must be a string";
  if (body.labels !== undefined && !validLabels(body.labels)) errors.labels = "invalid labels";
  if (body.type !== undefined && (body.type !== "snapshot" || found.type !== "backup")) {
    errors.type = "only a backup can be converted to a snapshot";
  }
  if (Object.keys(errors).length > 0) throw invalidInput(Object.keys(errors), errors);
  if (typeof body.description === "string") found.description = body.description;
  if (body.labels !== undefined) found.labels = { ...(body.labels as Record<string, string>) };
  if (body.type === "snapshot") found.type = "snapshot";
  return { status: 200, body: { image: found } };
}

export function deleteImage(state: FakeHetznerState, id: number): Reply {
  const found = image(state, id);
  if (found.type !== "snapshot" && found.type !== "backup") {
    throw new ApiError(422, "unsupported_error", `images of type ${found.type} cannot be deleted`);
  }
  if (found.status === "creating") throw locked("image");
  state.images.delete(id);
  return { status: 204, body: null };
}

/**
 * A snapshot of the server's disk: `creating` (and the server locked) until the `create_image`
 * action ends, then `available` with its `image_size`. Backups need backups enabled, which no
 * fake server has.
 */
export function createImage(state: FakeHetznerState, serverId: number, body: Json, sizeGb: number): Reply {
  const server = state.unlockedServer(serverId);
  const errors: Record<string, string> = {};
  const type = body.type ?? "snapshot";
  if (type === "backup") errors.type = "backups are not enabled for this server";
  else if (type !== "snapshot") errors.type = "must be snapshot or backup";
  if (body.description !== undefined && typeof body.description !== "string")
    errors.description = "must be a string";
  if (body.labels !== undefined && !validLabels(body.labels)) errors.labels = "invalid labels";
  if (Object.keys(errors).length > 0) throw invalidInput(Object.keys(errors), errors);

  const created = now();
  const snapshot: FakeImage = {
    id: state.id(),
    type: "snapshot",
    status: "creating",
    name: null,
    description: typeof body.description === "string" ? body.description : `${server.name}-${created}`,
    architecture: server.server_type.architecture,
    image_size: null,
    disk_size: server.primary_disk_size as number,
    bound_to: null,
    created_from: { id: server.id, name: server.name },
    created,
    deleted: null,
    deprecated: null,
    labels: { ...((body.labels as Record<string, string>) ?? {}) },
    os_flavor: server.image.os_flavor,
    os_version: server.image.os_version,
    protection: { delete: false },
    rapid_deploy: false,
  };
  state.images.set(snapshot.id, snapshot);
  server.locked = true;
  const resources = [
    { id: server.id, type: "server" as const },
    { id: snapshot.id, type: "image" as const },
  ];
  const action = state.startAction("create_image", resources, (error) => {
    server.locked = false;
    if (error) {
      state.images.delete(snapshot.id);
      return;
    }
    snapshot.status = "available";
    snapshot.image_size = sizeGb;
  });
  return { status: 201, body: { image: snapshot, action } };
}

function image(state: FakeHetznerState, id: number): FakeImage {
  const found = state.images.get(id);
  if (!found) throw notFound("image", id);
  return found;
}
