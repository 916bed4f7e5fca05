// Seed data and pure helpers for the fake Hetzner API (see fake-hetzner.ts). Shapes follow the
// reference OpenAPI description; prices and ids are invented but formatted like the real ones.
import { createHash } from "node:crypto";

export type Json = Record<string, unknown>;

export interface LocationJson extends Json {
  id: number;
  name: string;
  description: string;
  city: string;
  country: string;
  latitude: number;
  longitude: number;
  network_zone: string;
}

export interface ServerTypeJson extends Json {
  id: number;
  name: string;
  architecture: "x86" | "arm";
  disk: number;
  deprecated: boolean;
  locations: {
    id: number;
    name: string;
    deprecation: { announced: string; unavailable_after: string } | null;
  }[];
}

export const LOCATIONS: LocationJson[] = [
  loc(1, "fsn1", "Falkenstein DC Park 1", "Falkenstein", "DE", 50.47612, 12.370071, "eu-central"),
  loc(2, "nbg1", "Nuremberg DC Park 1", "Nuremberg", "DE", 49.452102, 11.076665, "eu-central"),
  loc(3, "hel1", "Helsinki DC Park 1", "Helsinki", "FI", 60.169855, 24.938379, "eu-central"),
  loc(4, "ash", "Ashburn, VA", "Ashburn, VA", "US", 39.045821, -77.487073, "us-east"),
];

const EU = ["fsn1", "nbg1", "hel1"];
const ALL = [...EU, "ash"];
// Far in the future so the fixture stays "deprecated but still orderable" whatever today is.
const CX22_DEPRECATION = { announced: "2025-10-16T06:00:00Z", unavailable_after: "2099-12-31T00:00:00Z" };

export function seedServerTypes(): ServerTypeJson[] {
  return [
    type(22, "cx22", "x86", "shared", 2, 4, 40, 3.79, EU, CX22_DEPRECATION),
    type(101, "cx23", "x86", "shared", 2, 4, 40, 2.99, EU),
    type(102, "cx33", "x86", "shared", 4, 8, 80, 4.99, EU),
    type(103, "cpx22", "x86", "shared", 2, 4, 80, 5.99, ALL),
    type(45, "cax11", "arm", "shared", 2, 4, 40, 3.79, EU),
    type(96, "ccx13", "x86", "dedicated", 2, 8, 80, 12.49, ALL),
  ];
}

function loc(
  id: number,
  name: string,
  description: string,
  city: string,
  country: string,
  latitude: number,
  longitude: number,
  network_zone: string,
): LocationJson {
  return { id, name, description, city, country, latitude, longitude, network_zone };
}

function type(
  id: number,
  name: string,
  architecture: "x86" | "arm",
  cpuType: "shared" | "dedicated",
  cores: number,
  memory: number,
  disk: number,
  monthlyNet: number,
  locations: string[],
  deprecation: { announced: string; unavailable_after: string } | null = null,
): ServerTypeJson {
  return {
    id,
    name,
    description: name.toUpperCase(),
    category: cpuType === "dedicated" ? "Dedicated vCPU" : "Shared vCPU",
    cores,
    memory,
    disk,
    architecture,
    cpu_type: cpuType,
    storage_type: "local",
    deprecated: deprecation !== null,
    deprecation,
    prices: locations.map((l) => {
      const net = l === "ash" ? monthlyNet * 1.2 : monthlyNet;
      return {
        location: l,
        price_hourly: money(net / 730),
        price_monthly: money(net),
        included_traffic: l === "ash" ? 1099511627776 : 21990232555520,
        price_per_tb_traffic: money(1),
      };
    }),
    locations: locations.map((l) => ({ id: locationByName(l).id, name: l, deprecation })),
  };
}

/** A price as Hetzner writes it: net and gross (19 % VAT) as decimal strings. */
export function money(net: number): { net: string; gross: string } {
  return { net: net.toFixed(10), gross: (net * 1.19).toFixed(10) };
}

function locationByName(name: string): LocationJson {
  const found = LOCATIONS.find((l) => l.name === name);
  if (!found) throw new Error(`fixture: unknown location ${name}`);
  return found;
}

/** Hetzner's `sort` values (`id`, `name:desc`, …) over the given fields; the name of the bad parameter otherwise. */
export function sortItems<T extends Json>(
  items: T[],
  sorts: string[],
  fields: readonly string[],
): T[] | "sort" {
  let sorted = items;
  for (const sort of [...sorts].reverse()) {
    const [field = "", direction = "asc", extra] = sort.split(":");
    if (!fields.includes(field) || !["asc", "desc"].includes(direction) || extra !== undefined) return "sort";
    const sign = direction === "desc" ? -1 : 1;
    sorted = [...sorted].sort((a, b) => sign * compare(a[field], b[field]));
  }
  return sorted;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a ?? "").localeCompare(String(b ?? ""));
}

/** Pagination like Hetzner's: 1-based `page`, `per_page` up to 50 (default 25). */
export function paginate<T>(items: T[], query: URLSearchParams): { page: T[]; meta: Json } | string {
  const page = query.has("page") ? Number(query.get("page")) : 1;
  const requested = query.has("per_page") ? Number(query.get("per_page")) : 25;
  if (!Number.isInteger(page) || page < 1) return "page";
  if (!Number.isInteger(requested) || requested < 1) return "per_page";
  const perPage = Math.min(requested, 50);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const pagination = {
    page,
    per_page: perPage,
    previous_page: page > 1 ? page - 1 : null,
    next_page: page < lastPage ? page + 1 : null,
    last_page: lastPage,
    total_entries: items.length,
  };
  return { page: items.slice((page - 1) * perPage, page * perPage), meta: { pagination } };
}

const KEY = "[A-Za-z0-9][A-Za-z0-9._/-]*";
const VALUE = "[A-Za-z0-9._-]*";

/** Hetzner label selectors without `in (…)`: `k`, `!k`, `k=v`, `k==v`, `k!=v`, joined by commas (AND). */
export function parseLabelSelector(selector: string): ((labels: Record<string, string>) => boolean) | null {
  const tests: ((labels: Record<string, string>) => boolean)[] = [];
  for (const raw of selector.split(",")) {
    const term = raw.trim();
    const has = new RegExp(`^(${KEY})$`).exec(term);
    const hasNot = new RegExp(`^!(${KEY})$`).exec(term);
    const cmp = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`).exec(term);
    if (has?.[1] !== undefined) {
      const key = has[1];
      tests.push((l) => key in l);
    } else if (hasNot?.[1] !== undefined) {
      const key = hasNot[1];
      tests.push((l) => !(key in l));
    } else if (cmp?.[1] !== undefined && cmp[3] !== undefined) {
      const [key, op, value] = [cmp[1], cmp[2], cmp[3]];
      tests.push(op === "!=" ? (l) => l[key] !== value : (l) => l[key] === value);
    } else {
      return null;
    }
  }
  return (labels) => tests.every((t) => t(labels));
}

const LABEL_VALUE = /^(|[a-z0-9A-Z]|[a-z0-9A-Z][a-z0-9A-Z._-]{0,61}[a-z0-9A-Z])$/;

export function validLabels(labels: unknown): labels is Record<string, string> {
  if (typeof labels !== "object" || labels === null || Array.isArray(labels)) return false;
  return Object.entries(labels).every(
    ([k, v]) => new RegExp(`^${KEY}$`).test(k) && typeof v === "string" && LABEL_VALUE.test(v),
  );
}

/** Volume names: alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric, at most 64 characters. */
export function validVolumeName(name: unknown): name is string {
  return typeof name === "string" && /^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,62}[a-zA-Z0-9])?$/.test(name);
}

/** RFC 1123 hostname, as Hetzner requires for server names. */
export function validHostname(name: unknown): name is string {
  const label = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?";
  return typeof name === "string" && name.length <= 253 && new RegExp(`^${label}(\\.${label})*$`).test(name);
}

/** MD5 fingerprint of an OpenSSH public key, or null when it does not parse. */
export function fingerprintOf(publicKey: string): string | null {
  const [keyType, blob] = publicKey.trim().split(/\s+/);
  if (!keyType || !blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return null;
  const bytes = Buffer.from(blob, "base64");
  // The blob starts with its own length-prefixed key type; a mismatch means a mangled key.
  if (bytes.length < 4) return null;
  const nameLength = bytes.readUInt32BE(0);
  if (bytes.subarray(4, 4 + nameLength).toString() !== keyType) return null;
  const hex = createHash("md5").update(bytes).digest("hex");
  return hex.match(/../g)?.join(":") ?? hex;
}

/** 127.0.0.2, 127.0.0.3, …: distinct loopback addresses a test can listen on. */
export function loopbackIp(n: number): string {
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}
