/** How many installed, unclaimed machines of one type to keep in one location. */
export interface PoolTarget {
  serverType: string;
  location: string;
  count: number;
}

/** The warm pool as the operator asked for it; no targets means no pool. */
export interface PoolSettings {
  targets: PoolTarget[];
  maxParallelInstalls: number;
  maxAgeHours: number;
}

export const NO_POOL: PoolSettings = { targets: [], maxParallelInstalls: 2, maxAgeHours: 24 };

// Hetzner's names are lower case letters and digits (cx23, cax11, fsn1, ash): anything else is a typo.
const NAME = /^[a-z][a-z0-9-]{1,19}$/;
const ENTRY = /^([^@=\s]+)@([^@=\s]+)=(\d+)$/;
const MAX_PER_TARGET = 20;

/**
 * Reads `cx23@fsn1=2,cax11@hel1=1`. Answers the targets, or the problems with each entry in plain words;
 * an empty text is no pool.
 */
export function parsePoolSpec(text: string): { targets: PoolTarget[] } | { problems: string[] } {
  const targets: PoolTarget[] = [];
  const problems: string[] = [];
  const entries = text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  for (const entry of entries) {
    const match = ENTRY.exec(entry);
    if (!match) {
      problems.push(`"${entry.slice(0, 40)}" is not type@location=count (like cx23@fsn1=2)`);
      continue;
    }
    const [, serverType = "", location = "", count = ""] = match;
    if (!NAME.test(serverType))
      problems.push(`"${serverType.slice(0, 40)}" does not look like a server type`);
    if (!NAME.test(location)) problems.push(`"${location.slice(0, 40)}" does not look like a location`);
    const n = Number(count);
    if (n < 1 || n > MAX_PER_TARGET) problems.push(`${entry}: the count must be 1 to ${MAX_PER_TARGET}`);
    if (targets.some((t) => t.serverType === serverType && t.location === location)) {
      problems.push(`${serverType}@${location} is named twice`);
    }
    targets.push({ serverType, location, count: n });
  }
  return problems.length > 0 ? { problems } : { targets };
}

/** The size of the pool: machines kept ready in all. */
export function poolSize(settings: PoolSettings): number {
  return settings.targets.reduce((sum, t) => sum + t.count, 0);
}
