import * as z from "zod";
import type { CloudAction, CloudImage, ImageType } from "../../core/ports/cloud.ts";

export type { CloudImage, ImageType } from "../../core/ports/cloud.ts";

import type { HetznerHttp } from "./http.ts";
import { deleteAtOnce, listAll, unlessNotFound } from "./resource-helpers.ts";
import { actionSchema, paginationSchema, toCloudAction } from "./schemas.ts";

export const imageSchema = z.looseObject({
  id: z.number(),
  type: z.enum(["system", "app", "snapshot", "backup"]),
  status: z.enum(["available", "creating", "unavailable"]),
  name: z.string().nullable(),
  description: z.string(),
  architecture: z.enum(["x86", "arm"]),
  image_size: z.number().nullable(),
  disk_size: z.number(),
  created_from: z.looseObject({ id: z.number(), name: z.string() }).nullable(),
  labels: z.record(z.string(), z.string()).default({}),
  created: z.string(),
});

const imageResponse = z.looseObject({ image: imageSchema });
const imagesPage = z.looseObject({
  images: z.array(imageSchema),
  meta: z.looseObject({ pagination: paginationSchema }).optional(),
});
const createImageResponse = z.looseObject({ image: imageSchema, action: actionSchema });
export function toCloudImage(i: z.infer<typeof imageSchema>): CloudImage {
  return {
    id: i.id,
    type: i.type,
    status: i.status,
    name: i.name,
    description: i.description,
    architecture: i.architecture,
    imageSizeGb: i.image_size,
    diskSizeGb: i.disk_size,
    createdFrom: i.created_from ? { id: i.created_from.id, name: i.created_from.name } : null,
    labels: i.labels,
    created: new Date(i.created),
  };
}

/** Hetzner's image endpoints, over the client's HTTP layer (retries, rate limits, request count). */
export class HetznerImages {
  constructor(private readonly http: HetznerHttp) {}

  /**
   * Starts a snapshot of the server's disk: the image is `creating` and the server locked until
   * the returned `create_image` action ends. A snapshot outlives its server and is billed per GB.
   */
  async createSnapshot(
    serverId: number,
    options: { description?: string; labels?: Record<string, string> } = {},
    signal?: AbortSignal,
  ): Promise<{ image: CloudImage; action: CloudAction }> {
    const body = {
      type: "snapshot",
      ...(options.description !== undefined ? { description: options.description } : {}),
      ...(options.labels !== undefined ? { labels: options.labels } : {}),
    };
    const res = await this.http.request(
      "POST",
      `/servers/${serverId}/actions/create_image`,
      createImageResponse,
      {
        body,
        signal,
      },
    );
    return { image: toCloudImage(res.image), action: toCloudAction(res.action) };
  }

  /** All pages, of the given types only when `type` is set. */
  async list(
    filter: { type?: ImageType[]; labelSelector?: string } = {},
    signal?: AbortSignal,
  ): Promise<CloudImage[]> {
    const query = { type: filter.type, label_selector: filter.labelSelector };
    const pages = await listAll(this.http, "/images", imagesPage, query, signal);
    return pages.flatMap((p) => p.images.map(toCloudImage));
  }

  /** `null` when there is no such image. */
  async get(id: number, signal?: AbortSignal): Promise<CloudImage | null> {
    const res = await unlessNotFound(this.http.request("GET", `/images/${id}`, imageResponse, { signal }));
    return res && toCloudImage(res.image);
  }

  /** Replaces the image's labels. */
  async setLabels(id: number, labels: Record<string, string>, signal?: AbortSignal): Promise<CloudImage> {
    const res = await this.http.request("PUT", `/images/${id}`, imageResponse, { body: { labels }, signal });
    return toCloudImage(res.image);
  }

  /** Only snapshots and backups can be deleted. */
  async delete(id: number, signal?: AbortSignal): Promise<"deleted" | "gone"> {
    return deleteAtOnce(this.http, `/images/${id}`, signal);
  }
}
