import type { Offer } from "../core/cloud/catalog.ts";
import type { CoreDeps } from "../core/deps.ts";
import { allowedOffers } from "../core/guardrails/guardrails.ts";
import type { CloudLocation } from "../core/ports/cloud.ts";

/** What a person asked for last time the form was shown (a refused submit, a changed location). */
export interface WantedChoices {
  location?: string | undefined;
  serverType?: string | undefined;
  hours?: number | undefined;
  packages?: readonly string[] | undefined;
  repo?: string | undefined;
  keepWork?: boolean | undefined;
}

/**
 * The provision form's contents, the same in Slack's modal and on the dashboard: the offers the
 * operator's guardrails allow, the locations that have one, and each field pre-filled with what was
 * just typed, else the person's own defaults (`prefs`), else the operator's.
 */
export interface ProvisionChoices {
  offers: Offer[];
  /** Offered locations, in the catalog's order. */
  locations: CloudLocation[];
  location: string;
  serverType: string;
  hours: number;
  packages: string[];
  repo: string;
  keepWork: boolean;
  /** The key the person last gave, to fill the key field. */
  lastKey: string | null;
}

/** Reads the catalog (the cached one when warm): the caller bounds the wait. */
export async function provisionChoices(
  deps: CoreDeps,
  user: string,
  wanted: WantedChoices = {},
): Promise<ProvisionChoices> {
  const { locations: all } = await deps.catalog.load();
  const offers = allowedOffers(await deps.catalog.offers(), deps.guardrails);
  const offered = new Set(offers.map((o) => o.location));
  const locations = all.filter((l) => offered.has(l.name));
  const pick = (name: string | undefined) => (name && offered.has(name) ? name : undefined);
  const prefs = deps.store.prefs.get(user);
  const { policy } = deps;
  return {
    offers,
    locations,
    location:
      pick(wanted.location) ??
      pick(prefs.location) ??
      pick(policy.defaultLocation) ??
      locations[0]?.name ??
      policy.defaultLocation,
    serverType: wanted.serverType ?? prefs.serverType ?? policy.defaultServerType,
    hours: wanted.hours ?? prefs.hours ?? policy.defaultHours,
    packages: [...(wanted.packages ?? prefs.packages ?? [])],
    repo: wanted.repo ?? prefs.repo ?? "",
    keepWork: wanted.keepWork ?? prefs.keepWork === true,
    lastKey: deps.store.currentKeyOf(user),
  };
}
