import * as z from "zod";
import type { CloudAction, CloudVolume, CreateVolumeInput, VolumeApi } from "../../core/ports/cloud.ts";

export type { CloudVolume, CreateVolumeInput } from "../../core/ports/cloud.ts";

import type { HetznerHttp } from "./http.ts";
import { deleteAtOnce, listAll, unlessNotFound } from "./resource-helpers.ts";
import { actionSchema, paginationSchema, toCloudAction } from "./schemas.ts";

// Loose like the server schemas: a field Hetzner adds must never break ccc.
export const volumeSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  size: z.number(),
  status: z.enum(["creating", "available"]),
  server: z.number().nullable(),
  location: z.looseObject({ name: z.string() }),
  linux_device: z.string(),
  format: z.string().nullable(),
  labels: z.record(z.string(), z.string()).default({}),
  created: z.string(),
});

const volumeResponse = z.looseObject({ volume: volumeSchema });
const volumesPage = z.looseObject({
  volumes: z.array(volumeSchema),
  meta: z.looseObject({ pagination: paginationSchema }).optional(),
});
const createVolumeResponse = z.looseObject({
  volume: volumeSchema,
  action: actionSchema,
  next_actions: z.array(actionSchema).default([]),
});
const actionResponse = z.looseObject({ action: actionSchema });
export function toCloudVolume(v: z.infer<typeof volumeSchema>): CloudVolume {
  return {
    id: v.id,
    name: v.name,
    sizeGb: v.size,
    status: v.status,
    serverId: v.server,
    location: v.location.name,
    linuxDevice: v.linux_device,
    format: v.format,
    labels: v.labels,
    created: new Date(v.created),
  };
}

/** Hetzner's volume endpoints, over the client's HTTP layer (retries, rate limits, request count). */
export class HetznerVolumes implements VolumeApi {
  constructor(private readonly http: HetznerHttp) {}

  /** The `create_volume` action, and with `serverId` an `attach_volume` next action. */
  async create(
    input: CreateVolumeInput,
    signal?: AbortSignal,
  ): Promise<{ volume: CloudVolume; action: CloudAction; nextActions: CloudAction[] }> {
    const body = {
      name: input.name,
      size: input.sizeGb,
      ...(input.location !== undefined ? { location: input.location } : {}),
      ...(input.serverId !== undefined ? { server: input.serverId } : {}),
      ...(input.format !== undefined ? { format: input.format } : {}),
      ...(input.automount !== undefined ? { automount: input.automount } : {}),
      ...(input.labels !== undefined ? { labels: input.labels } : {}),
    };
    const res = await this.http.request("POST", "/volumes", createVolumeResponse, { body, signal });
    return {
      volume: toCloudVolume(res.volume),
      action: toCloudAction(res.action),
      nextActions: res.next_actions.map(toCloudAction),
    };
  }

  /** All pages. `labelSelector` as Hetzner's, e.g. `managed-by=ccc`. */
  async list(labelSelector?: string, signal?: AbortSignal): Promise<CloudVolume[]> {
    const pages = await listAll(
      this.http,
      "/volumes",
      volumesPage,
      { label_selector: labelSelector },
      signal,
    );
    return pages.flatMap((p) => p.volumes.map(toCloudVolume));
  }

  /** `null` when there is no such volume. */
  async get(id: number, signal?: AbortSignal): Promise<CloudVolume | null> {
    const res = await unlessNotFound(this.http.request("GET", `/volumes/${id}`, volumeResponse, { signal }));
    return res && toCloudVolume(res.volume);
  }

  /** Hetzner refuses an attached volume (`volume_already_attached`): detach it first. */
  async delete(id: number, signal?: AbortSignal): Promise<"deleted" | "gone"> {
    return deleteAtOnce(this.http, `/volumes/${id}`, signal);
  }

  /** The server must be in the volume's location; a volume serves one server at a time. */
  async attach(
    id: number,
    serverId: number,
    automount?: boolean,
    signal?: AbortSignal,
  ): Promise<CloudAction> {
    const body = { server: serverId, ...(automount !== undefined ? { automount } : {}) };
    const res = await this.http.request("POST", `/volumes/${id}/actions/attach`, actionResponse, {
      body,
      signal,
    });
    return toCloudAction(res.action);
  }

  async detach(id: number, signal?: AbortSignal): Promise<CloudAction> {
    const res = await this.http.request("POST", `/volumes/${id}/actions/detach`, actionResponse, { signal });
    return toCloudAction(res.action);
  }
}
