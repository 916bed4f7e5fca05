// The routes the fake Hetzner API serves, with the query parameters and body fields each accepts
// (what the fake models, a subset of the reference's). Anything else is a mistake of the caller:
// an unknown path answers 404 `unknown_route`, a known path with another method 405
// `method_not_allowed`, and an unknown parameter or field is recorded (see `mistakes`).
import type { Json } from "./fake-hetzner-data.ts";
import { createImage, deleteImage, getImage, listImages, updateImage } from "./fake-hetzner-images.ts";
import { getPricing } from "./fake-hetzner-pricing.ts";
import {
  assignPrimaryIp,
  createPrimaryIp,
  deletePrimaryIp,
  getPrimaryIp,
  listPrimaryIps,
  unassignPrimaryIp,
  updatePrimaryIp,
} from "./fake-hetzner-primary-ips.ts";
import { ApiError, type Reply } from "./fake-hetzner-resources.ts";
import { createSshKey, listSshKeys } from "./fake-hetzner-ssh-keys.ts";
import type { FakeHetznerState } from "./fake-hetzner-state.ts";
import {
  attachVolume,
  createVolume,
  deleteVolume,
  detachVolume,
  getVolume,
  listVolumes,
} from "./fake-hetzner-volumes.ts";

export interface RouteContext {
  state: FakeHetznerState;
  /** The `{id}` in the path, when the route has one. */
  id: number;
  query: URLSearchParams;
  body: Json;
  snapshotSizeGb: number;
}

interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  pattern: string;
  query?: readonly string[];
  body?: readonly string[];
  handle(ctx: RouteContext): Reply;
}

const PAGE = ["page", "per_page"];
const LIST = [...PAGE, "label_selector", "name", "status", "sort"];

const ROUTES: Route[] = [
  {
    method: "GET",
    pattern: "/servers",
    query: [...PAGE, "label_selector", "name", "status"],
    handle: (c) => c.state.listServers(c.query),
  },
  {
    method: "POST",
    pattern: "/servers",
    body: [
      "name",
      "server_type",
      "image",
      "location",
      "ssh_keys",
      "labels",
      "start_after_create",
      "volumes",
      "automount",
      "public_net",
    ],
    handle: (c) => c.state.createServer(c.body),
  },
  { method: "GET", pattern: "/servers/{id}", handle: (c) => c.state.getServer(c.id) },
  {
    method: "PUT",
    pattern: "/servers/{id}",
    body: ["name", "labels"],
    handle: (c) => c.state.updateServer(c.id, c.body),
  },
  { method: "DELETE", pattern: "/servers/{id}", handle: (c) => c.state.deleteServer(c.id) },
  {
    method: "POST",
    pattern: "/servers/{id}/actions/create_image",
    body: ["type", "description", "labels"],
    handle: (c) => createImage(c.state, c.id, c.body, c.snapshotSizeGb),
  },
  { method: "GET", pattern: "/actions", query: [...PAGE, "id"], handle: (c) => c.state.getActions(c.query) },
  { method: "GET", pattern: "/actions/{id}", handle: (c) => c.state.getAction(c.id) },
  {
    method: "GET",
    pattern: "/server_types",
    query: [...PAGE, "name"],
    handle: (c) => c.state.listServerTypes(c.query),
  },
  {
    method: "GET",
    pattern: "/locations",
    query: [...PAGE, "name"],
    handle: (c) => c.state.listLocations(c.query),
  },
  {
    method: "GET",
    pattern: "/ssh_keys",
    query: [...PAGE, "name", "fingerprint"],
    handle: (c) => listSshKeys(c.state, c.query),
  },
  {
    method: "POST",
    pattern: "/ssh_keys",
    body: ["name", "public_key", "labels"],
    handle: (c) => createSshKey(c.state, c.body),
  },
  { method: "GET", pattern: "/volumes", query: LIST, handle: (c) => listVolumes(c.state, c.query) },
  {
    method: "POST",
    pattern: "/volumes",
    body: ["name", "size", "location", "server", "labels", "format", "automount"],
    handle: (c) => createVolume(c.state, c.body),
  },
  { method: "GET", pattern: "/volumes/{id}", handle: (c) => getVolume(c.state, c.id) },
  { method: "DELETE", pattern: "/volumes/{id}", handle: (c) => deleteVolume(c.state, c.id) },
  {
    method: "POST",
    pattern: "/volumes/{id}/actions/attach",
    body: ["server", "automount"],
    handle: (c) => attachVolume(c.state, c.id, c.body),
  },
  {
    method: "POST",
    pattern: "/volumes/{id}/actions/detach",
    body: [],
    handle: (c) => detachVolume(c.state, c.id),
  },
  {
    method: "GET",
    pattern: "/images",
    query: [...LIST, "type", "bound_to", "include_deprecated", "architecture"],
    handle: (c) => listImages(c.state, c.query),
  },
  { method: "GET", pattern: "/images/{id}", handle: (c) => getImage(c.state, c.id) },
  {
    method: "PUT",
    pattern: "/images/{id}",
    body: ["description", "type", "labels"],
    handle: (c) => updateImage(c.state, c.id, c.body),
  },
  { method: "DELETE", pattern: "/images/{id}", handle: (c) => deleteImage(c.state, c.id) },
  { method: "GET", pattern: "/pricing", handle: (c) => getPricing(c.state.serverTypes) },
  {
    method: "GET",
    pattern: "/primary_ips",
    query: [...LIST, "ip"],
    handle: (c) => listPrimaryIps(c.state, c.query),
  },
  {
    method: "POST",
    pattern: "/primary_ips",
    body: ["name", "type", "assignee_type", "assignee_id", "location", "auto_delete", "labels"],
    handle: (c) => createPrimaryIp(c.state, c.body),
  },
  { method: "GET", pattern: "/primary_ips/{id}", handle: (c) => getPrimaryIp(c.state, c.id) },
  {
    method: "PUT",
    pattern: "/primary_ips/{id}",
    body: ["name", "labels", "auto_delete"],
    handle: (c) => updatePrimaryIp(c.state, c.id, c.body),
  },
  { method: "DELETE", pattern: "/primary_ips/{id}", handle: (c) => deletePrimaryIp(c.state, c.id) },
  {
    method: "POST",
    pattern: "/primary_ips/{id}/actions/assign",
    body: ["assignee_id", "assignee_type"],
    handle: (c) => assignPrimaryIp(c.state, c.id, c.body),
  },
  {
    method: "POST",
    pattern: "/primary_ips/{id}/actions/unassign",
    body: [],
    handle: (c) => unassignPrimaryIp(c.state, c.id),
  },
];

export interface Matched {
  handle: Route["handle"];
  id: number;
  /** What the caller sent that the route does not take. */
  mistakes: string[];
}

/** The route for this request, or the error a caller's mistake gets (also reported as `mistake`). */
export function matchRoute(
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): Matched | { error: ApiError; mistake: string } {
  const candidates = ROUTES.flatMap((route) => {
    const id = matchPattern(route.pattern, path);
    return id === null ? [] : [{ route, id }];
  });
  if (candidates.length === 0) {
    const message = `the fake Hetzner API has no route ${method} ${path}`;
    return { error: new ApiError(404, "unknown_route", message), mistake: message };
  }
  const found = candidates.find((c) => c.route.method === method);
  if (!found) {
    const allowed = candidates.map((c) => c.route.method).join(", ");
    const message = `${method} is not allowed on ${path} (allowed: ${allowed})`;
    return { error: new ApiError(405, "method_not_allowed", message), mistake: message };
  }
  const { route, id } = found;
  const mistakes = [...new Set(query.keys())]
    .filter((key) => !(route.query ?? []).includes(key))
    .map((key) => `${method} ${path}: unknown query parameter '${key}'`);
  if (body !== undefined && (typeof body !== "object" || body === null || Array.isArray(body))) {
    mistakes.push(`${method} ${path}: the body is not a JSON object`);
  } else if (body !== undefined) {
    for (const field of Object.keys(body)) {
      if (!(route.body ?? []).includes(field)) mistakes.push(`${method} ${path}: unknown field '${field}'`);
    }
  }
  return { handle: route.handle, id, mistakes };
}

/** The `{id}` (or 0 without one) when `path` fits `pattern`, else null. */
function matchPattern(pattern: string, path: string): number | null {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  let id = 0;
  for (const [i, part] of want.entries()) {
    const actual = got[i] ?? "";
    if (part === "{id}") {
      if (!/^[0-9]+$/.test(actual)) return null;
      id = Number(actual);
    } else if (part !== actual) {
      return null;
    }
  }
  return id;
}
