import * as z from "zod";
import type {
  CloudAction,
  CloudLocation,
  CloudServer,
  CloudServerType,
  CreatedServer,
  ServerStatus,
} from "../../core/ports/cloud.ts";

// Every object is loose: Hetzner adds fields over time and a new field must never break ccc.
// Only what the port needs is required; everything else is left to pass through unchecked.

const SERVER_STATUSES: readonly ServerStatus[] = [
  "initializing",
  "starting",
  "running",
  "stopping",
  "off",
  "deleting",
  "migrating",
  "rebuilding",
  "unknown",
];

const namedRef = z.looseObject({ name: z.string() });

const deprecationInfo = z.looseObject({
  announced: z.string(),
  unavailable_after: z.string(),
});

export const actionSchema = z.looseObject({
  id: z.number(),
  command: z.string(),
  status: z.enum(["running", "success", "error"]),
  progress: z.number(),
  error: z.looseObject({ code: z.string(), message: z.string() }).nullish(),
});

export const serverSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  status: z.string(),
  created: z.string(),
  public_net: z.looseObject({
    // `id` is the Primary IP's: what a hibernation keeps so the wake gets the same address.
    ipv4: z.looseObject({ ip: z.string(), id: z.number().nullish() }).nullish(),
    ipv6: z.looseObject({ ip: z.string(), id: z.number().nullish() }).nullish(),
  }),
  server_type: namedRef,
  // Servers carry `location` directly; `datacenter` was removed on 2026-07-01 and is only a fallback.
  location: namedRef.nullish(),
  datacenter: z.looseObject({ location: namedRef.nullish() }).nullish(),
  labels: z.record(z.string(), z.string()).default({}),
});

const price = z.looseObject({ gross: z.string() });

export const serverTypeSchema = z.looseObject({
  name: z.string(),
  description: z.string(),
  cores: z.number(),
  memory: z.number(),
  disk: z.number(),
  architecture: z.enum(["x86", "arm"]),
  cpu_type: z.string().nullish(),
  deprecated: z.boolean().nullish(),
  deprecation: deprecationInfo.nullish(),
  prices: z.array(z.looseObject({ location: z.string(), price_hourly: price, price_monthly: price })),
  locations: z.array(z.looseObject({ name: z.string(), deprecation: deprecationInfo.nullish() })).optional(),
});

export const locationSchema = z.looseObject({
  name: z.string(),
  description: z.string(),
  city: z.string(),
  country: z.string(),
  network_zone: z.string(),
});

export const sshKeySchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  fingerprint: z.string(),
});

export const errorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});

export const paginationSchema = z.looseObject({
  page: z.number(),
  per_page: z.number(),
  next_page: z.number().nullish(),
  last_page: z.number().nullish(),
  total_entries: z.number().nullish(),
});

const meta = z.looseObject({ pagination: paginationSchema }).optional();

export const serverResponse = z.looseObject({ server: serverSchema });
export const actionResponse = z.looseObject({ action: actionSchema });
export const actionsPage = z.looseObject({ actions: z.array(actionSchema) });
export const createServerResponse = z.looseObject({
  server: serverSchema,
  action: actionSchema,
  next_actions: z.array(actionSchema).default([]),
});
export const sshKeyResponse = z.looseObject({ ssh_key: sshKeySchema });
export const serversPage = z.looseObject({ servers: z.array(serverSchema), meta });
export const serverTypesPage = z.looseObject({ server_types: z.array(serverTypeSchema), meta });
export const locationsPage = z.looseObject({ locations: z.array(locationSchema), meta });
export const sshKeysPage = z.looseObject({ ssh_keys: z.array(sshKeySchema), meta });

export function toCloudServer(s: z.infer<typeof serverSchema>): CloudServer {
  const status = SERVER_STATUSES.find((known) => known === s.status) ?? "unknown";
  return {
    id: s.id,
    name: s.name,
    status,
    ipv4: s.public_net.ipv4?.ip ?? null,
    ipv6: ipv6HostAddress(s.public_net.ipv6?.ip ?? null),
    primaryIpIds: { ipv4: s.public_net.ipv4?.id ?? null, ipv6: s.public_net.ipv6?.id ?? null },
    serverType: s.server_type.name,
    location: s.location?.name ?? s.datacenter?.location?.name ?? null,
    labels: s.labels,
    created: new Date(s.created),
  };
}

export function toCloudAction(a: z.infer<typeof actionSchema>): CloudAction {
  return {
    id: a.id,
    command: a.command,
    status: a.status,
    progress: a.progress,
    error: a.error ? { code: a.error.code, message: a.error.message } : null,
  };
}

export function toCreatedServer(r: z.infer<typeof createServerResponse>): CreatedServer {
  return {
    server: toCloudServer(r.server),
    action: toCloudAction(r.action),
    nextActions: r.next_actions.map(toCloudAction),
  };
}

export function toCloudServerType(t: z.infer<typeof serverTypeSchema>): CloudServerType {
  // Hetzner moved deprecation from the type to `locations[].deprecation`; a type deprecated
  // everywhere it is offered is as good as deprecated, whichever field says so.
  const perLocation = t.locations ?? [];
  const deprecatedEverywhere = perLocation.length > 0 && perLocation.every((l) => l.deprecation != null);
  const base: CloudServerType = {
    name: t.name,
    description: t.description,
    cores: t.cores,
    memoryGb: t.memory,
    diskGb: t.disk,
    architecture: t.architecture,
    ...(t.cpu_type === "shared" || t.cpu_type === "dedicated" ? { cpuType: t.cpu_type } : {}),
    deprecated: t.deprecated === true || t.deprecation != null || deprecatedEverywhere,
    prices: t.prices.map((p) => ({
      location: p.location,
      hourly: p.price_hourly.gross,
      monthly: p.price_monthly.gross,
    })),
  };
  if (t.locations === undefined) return base;
  return { ...base, locations: perLocation.filter((l) => l.deprecation == null).map((l) => l.name) };
}

export function toCloudLocation(l: z.infer<typeof locationSchema>): CloudLocation {
  return {
    name: l.name,
    description: l.description,
    city: l.city,
    country: l.country,
    networkZone: l.network_zone,
  };
}

/** Hetzner gives a server a /64 (`2001:db8:1:2::/64`); its own address, the one SSH answers on, is `::1` in it. */
export function ipv6HostAddress(network: string | null): string | null {
  if (!network) return null;
  const [prefix] = network.split("/");
  if (!prefix) return null;
  return prefix.endsWith("::") ? `${prefix}1` : prefix;
}
