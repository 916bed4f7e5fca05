import type { CoreDeps } from "../deps.ts";
import type { CloudServerType } from "../ports/cloud.ts";
import type { PoolMemberState } from "../store/store.ts";
import type { PoolTarget } from "./pool-settings.ts";

const HOURS_PER_MONTH = 730;

/** One pool machine as `ccc pool` and the App Home show it. */
export interface PoolMemberView {
  id: string;
  serverType: string;
  location: string;
  state: PoolMemberState;
  ageMs: number;
  /** Gross € per hour from Hetzner's price list, as a decimal string; null when not at hand. */
  hourly: string | null;
  serverId: number | null;
  ipv4: string | null;
}

export interface PoolView {
  wanted: PoolTarget[];
  members: PoolMemberView[];
  /** What the members cost together per hour; null when a price is not at hand. */
  hourlyTotal: string | null;
  /**
   * What the wanted pool costs per month when full: hourly price × 730 h. Not the monthly cap: members are
   * replaced (every CCC_POOL_MAX_AGE_HOURS, and after each claim) long before a server reaches it.
   */
  monthlyWhenFull: string | null;
}

/** The pool as it stands, priced from the catalog (given, or loaded; without one the prices are null). */
export async function poolView(deps: CoreDeps, types?: CloudServerType[] | null): Promise<PoolView> {
  const catalog =
    types === undefined ? ((await deps.catalog.load().catch(() => null))?.types ?? null) : types;
  const price = (type: string, location: string) =>
    catalog?.find((t) => t.name === type)?.prices.find((p) => p.location === location) ?? null;
  const now = deps.clock.now().getTime();
  const members = deps.store.pool.list().map((m) => ({
    id: m.id,
    serverType: m.serverType,
    location: m.location,
    state: m.state,
    ageMs: now - m.createdAt.getTime(),
    hourly: price(m.serverType, m.location)?.hourly ?? null,
    serverId: m.hetznerServerId,
    ipv4: m.ipv4,
  }));
  const wanted = deps.pool.targets;
  const sum = (values: (string | null)[]) =>
    values.some((v) => v === null) ? null : values.reduce((total, v) => total + Number(v), 0).toFixed(4);
  return {
    wanted,
    members,
    hourlyTotal: sum(members.map((m) => m.hourly)),
    monthlyWhenFull: sum(
      wanted.flatMap((t) => {
        const hourly = price(t.serverType, t.location)?.hourly ?? null;
        const monthly = hourly === null ? null : String(Number(hourly) * HOURS_PER_MONTH);
        return Array.from({ length: t.count }, () => monthly);
      }),
    ),
  };
}
