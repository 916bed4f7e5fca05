import type { types } from "@slack/bolt";
import { allowedOffers } from "../core/guardrails/guardrails.ts";
import { machinesLeft, overQuota } from "../core/instances/quota.ts";
import { softwarePolicyOf } from "../core/software/software-policy.ts";
import { volumeOffer } from "../core/volumes/volume-price.ts";
import { volumePolicy } from "../core/volumes/work-volume.ts";
import { within } from "../util/within.ts";
import { type ModalChoice, provisionModal, refusalModal } from "./blocks/provision-modal.ts";
import type { BotContext } from "./bot-context.ts";

/**
 * The provision modal for a user, from the cached catalog: it must be ready well within the 3 s a
 * trigger_id lives, so a cold cache that Hetzner does not fill in time gives a "try again" modal.
 */
export async function provisionModalFor(
  bot: BotContext,
  userId: string,
  wanted: Partial<ModalChoice> & { keepWork?: boolean } = {},
): Promise<types.ModalView> {
  const { deps } = bot;
  const live = deps.store.list({ owner: userId });
  const max = deps.policy.maxInstancesPerUser;
  if (machinesLeft(live.length, max) === 0) {
    const ids = live.map((i) => i.id);
    return refusalModal(
      "Limit reached",
      overQuota(live.length, max, { ids, deleteWith: "/ccc deprovision <id>" }).message,
    );
  }
  const loaded = await within(
    deps.catalog.load().then(async (catalog) => ({
      catalog,
      offers: allowedOffers(await deps.catalog.offers(), deps.guardrails),
    })),
    bot.catalogWaitMs,
  ).catch((error: unknown) => {
    bot.log.error("catalog unavailable", { error: String(error) });
    return null;
  });
  if (!loaded) {
    return refusalModal(
      "Try again",
      "Hetzner's list of server types is not at hand right now. Try again in a minute.",
    );
  }
  const { catalog, offers: all } = loaded;
  const offered = new Set(all.map((o) => o.location));
  const locations = catalog.locations.filter((l) => offered.has(l.name));
  const pick = (name: string | undefined) => (name && offered.has(name) ? name : undefined);
  // The person's own defaults (`/ccc prefs`) come before the operator's.
  const prefs = deps.store.prefs.get(userId);
  const location =
    pick(wanted.location) ??
    pick(prefs.location) ??
    pick(deps.policy.defaultLocation) ??
    locations[0]?.name ??
    deps.policy.defaultLocation;
  const offers = all.filter(
    (o) => o.location === location && (!o.type.locations || o.type.locations.includes(location)),
  );
  const keepWork = await keepWorkChoice(bot, userId, location, wanted.keepWork);
  return provisionModal({
    keepWork,
    policy: deps.policy,
    locations,
    offers,
    choice: {
      location,
      serverType: wanted.serverType ?? prefs.serverType ?? deps.policy.defaultServerType,
      hours: wanted.hours ?? prefs.hours ?? deps.policy.defaultHours,
      packages: wanted.packages ?? prefs.packages ?? [],
      repo: wanted.repo ?? prefs.repo ?? "",
    },
    lastKey: deps.store.currentKeyOf(userId),
    software: softwarePolicyOf(deps),
  });
}

/** The checkbox with what it gives and costs, from the price the bot keeps warm (the form must open at once). */
async function keepWorkChoice(
  bot: BotContext,
  userId: string,
  location: string,
  ticked: boolean | undefined,
): Promise<{ line: string; ticked: boolean }> {
  const offer = await volumeOffer(bot.deps, userId, location, volumePolicy(bot.deps).defaultGb, {
    cachedPrice: true,
  });
  return { line: offer.line, ticked: ticked ?? bot.deps.store.prefs.get(userId).keepWork === true };
}
