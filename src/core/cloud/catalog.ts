import { UserError } from "../errors.ts";
import type { Clock } from "../ports/clock.ts";
import type { CloudApi, CloudLocation, CloudServerType } from "../ports/cloud.ts";

/** kexec into the NixOS installer needs about this much RAM. */
export const MIN_MEMORY_GB = 1.5;

/** A server type offered in one location, with its price there. */
export interface Offer {
  type: CloudServerType;
  location: string;
  hourly: string;
  monthly: string;
}

/** The lists with the time they were fetched (epoch ms). */
export interface SavedLists {
  at: number;
  types: CloudServerType[];
  locations: CloudLocation[];
}

/** Where the lists outlive the process (the store), so the next process need not ask Hetzner. */
export interface SavedCatalog {
  read(): SavedLists | null;
  write(lists: SavedLists): void;
}

/** Hetzner's server types and locations, cached for a few minutes so a modal opens at once. */
export class Catalog {
  private cache: SavedLists | null = null;
  private inflight: Promise<{ types: CloudServerType[]; locations: CloudLocation[] }> | null = null;

  constructor(
    private readonly cloud: CloudApi,
    private readonly clock: Clock,
    private readonly ttlMs = 5 * 60_000,
    private readonly saved?: SavedCatalog,
  ) {}

  /**
   * The lists, from cache when there is one. A stale cache is still answered at once while a
   * refresh runs behind it: a slow or failing Hetzner never holds up a Slack form. Only the very
   * first load waits, unless the saved lists are fresh (a new process within minutes of the last).
   */
  async load(): Promise<{ types: CloudServerType[]; locations: CloudLocation[] }> {
    const now = this.clock.now().getTime();
    if (!this.cache) {
      const saved = this.saved?.read();
      if (saved && now - saved.at < this.ttlMs) this.cache = saved;
    }
    if (this.cache && now - this.cache.at < this.ttlMs) return this.cache;
    const refresh = this.refresh();
    if (this.cache) {
      refresh.catch(() => {}); // the stale lists stay until a refresh works
      return this.cache;
    }
    return refresh;
  }

  private refresh(): Promise<{ types: CloudServerType[]; locations: CloudLocation[] }> {
    this.inflight ??= Promise.all([this.cloud.listServerTypes(), this.cloud.listLocations()])
      .then(([types, locations]) => {
        this.cache = { at: this.clock.now().getTime(), types, locations };
        try {
          this.saved?.write(this.cache);
        } catch {
          // Only the next process's head start is lost (e.g. the store closed at shutdown meanwhile).
        }
        return this.cache;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /** Types a user may pick in `location` (or in any location), cheapest first. */
  async offers(location?: string): Promise<Offer[]> {
    const { types, locations } = await this.load();
    if (location !== undefined) requireLocation(locations, location);
    const offers: Offer[] = [];
    for (const type of types) {
      if (type.deprecated || type.memoryGb < MIN_MEMORY_GB) continue;
      for (const price of type.prices) {
        if (location !== undefined && price.location !== location) continue;
        if (type.locations && !type.locations.includes(price.location)) continue;
        offers.push({ type, location: price.location, hourly: price.hourly, monthly: price.monthly });
      }
    }
    return offers.sort(
      (a, b) => Number(a.hourly) - Number(b.hourly) || a.type.name.localeCompare(b.type.name),
    );
  }

  /**
   * The offer for a type in a location, or a UserError that says what exists; with `allowed` (the
   * guardrails), it names only the types a person may pick.
   */
  async offer(typeName: string, location: string, allowed?: (offer: Offer) => boolean): Promise<Offer> {
    const { types, locations } = await this.load();
    requireLocation(locations, location);
    const type = types.find((t) => t.name === typeName);
    const here = await this.offers(location);
    // What the person is told they may pick: only what the guardrails let through, when given.
    const names =
      here
        .filter((o) => allowed?.(o) ?? true)
        .map((o) => o.type.name)
        .join(", ") || "none (ask an admin)";
    if (!type) {
      throw new UserError(`Unknown server type "${typeName}". Available in ${location}: ${names}.`, {
        field: "serverType",
      });
    }
    if (type.deprecated) {
      throw new UserError(`Server type ${typeName} is deprecated. Available in ${location}: ${names}.`, {
        field: "serverType",
      });
    }
    if (type.memoryGb < MIN_MEMORY_GB) {
      throw new UserError(
        `Server type ${typeName} has ${type.memoryGb} GB of RAM; installing NixOS needs at least ${MIN_MEMORY_GB} GB.`,
        { field: "serverType" },
      );
    }
    const offer = here.find((o) => o.type.name === typeName);
    if (!offer) {
      throw new UserError(
        `Server type ${typeName} is not offered in ${location}. Available there: ${names}.`,
        {
          field: "serverType",
        },
      );
    }
    return offer;
  }
}

function requireLocation(locations: CloudLocation[], name: string): void {
  if (!locations.some((l) => l.name === name)) {
    throw new UserError(
      `Unknown location "${name}". Locations: ${locations.map((l) => l.name).join(", ")}.`,
      {
        field: "location",
      },
    );
  }
}
