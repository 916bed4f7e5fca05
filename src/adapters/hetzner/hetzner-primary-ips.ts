import * as z from "zod";
import type { CloudPrimaryIp, PrimaryIpApi } from "../../core/ports/cloud.ts";
import type { HetznerHttp } from "./http.ts";
import { deleteAtOnce, listAll, unlessNotFound } from "./resource-helpers.ts";
import { paginationSchema } from "./schemas.ts";

// Loose like the other resources: a field Hetzner adds must never break ccc.
const primaryIpSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  ip: z.string(),
  type: z.enum(["ipv4", "ipv6"]),
  assignee_id: z.number().nullable(),
  auto_delete: z.boolean(),
  location: z.looseObject({ name: z.string() }).nullish(),
  datacenter: z.looseObject({ location: z.looseObject({ name: z.string() }).nullish() }).nullish(),
  labels: z.record(z.string(), z.string()).default({}),
  created: z.string(),
});

const primaryIpResponse = z.looseObject({ primary_ip: primaryIpSchema });
const primaryIpsPage = z.looseObject({
  primary_ips: z.array(primaryIpSchema),
  meta: z.looseObject({ pagination: paginationSchema }).optional(),
});

function toCloudPrimaryIp(p: z.infer<typeof primaryIpSchema>): CloudPrimaryIp {
  return {
    id: p.id,
    name: p.name,
    ip: p.ip,
    type: p.type,
    assigneeId: p.assignee_id,
    autoDelete: p.auto_delete,
    location: p.location?.name ?? p.datacenter?.location?.name ?? null,
    labels: p.labels,
    created: new Date(p.created),
  };
}

/** Hetzner's Primary IP endpoints, over the client's HTTP layer (retries, rate limits, request count). */
export class HetznerPrimaryIps implements PrimaryIpApi {
  constructor(private readonly http: HetznerHttp) {}

  async list(labelSelector?: string, signal?: AbortSignal): Promise<CloudPrimaryIp[]> {
    const pages = await listAll(
      this.http,
      "/primary_ips",
      primaryIpsPage,
      { label_selector: labelSelector },
      signal,
    );
    return pages.flatMap((p) => p.primary_ips.map(toCloudPrimaryIp));
  }

  async get(id: number, signal?: AbortSignal): Promise<CloudPrimaryIp | null> {
    const res = await unlessNotFound(
      this.http.request("GET", `/primary_ips/${id}`, primaryIpResponse, { signal }),
    );
    return res && toCloudPrimaryIp(res.primary_ip);
  }

  async update(
    id: number,
    patch: { labels?: Record<string, string>; autoDelete?: boolean; name?: string },
    signal?: AbortSignal,
  ): Promise<CloudPrimaryIp> {
    const body = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.labels !== undefined ? { labels: patch.labels } : {}),
      ...(patch.autoDelete !== undefined ? { auto_delete: patch.autoDelete } : {}),
    };
    const res = await this.http.request("PUT", `/primary_ips/${id}`, primaryIpResponse, { body, signal });
    return toCloudPrimaryIp(res.primary_ip);
  }

  /** Hetzner refuses an assigned one (`must_be_unassigned`): only after its server is gone. */
  delete(id: number, signal?: AbortSignal): Promise<"deleted" | "gone"> {
    return deleteAtOnce(this.http, `/primary_ips/${id}`, signal);
  }
}
