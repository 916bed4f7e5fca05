import type { types } from "@slack/bolt";
import { machinesLeft, overQuota } from "../../core/instances/quota.ts";
import { softwarePolicyOf } from "../../core/software/software-policy.ts";
import { volumeOffer } from "../../core/volumes/volume-price.ts";
import { volumePolicy } from "../../core/volumes/work-volume.ts";
import { within } from "../../core/within.ts";
import { provisionChoices } from "../../doors/provision-choices.ts";
import { type ModalChoice, provisionModal, refusalModal } from "../../render/block-kit/provision-modal.ts";
import type { BotContext } from "../bot-context.ts";

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
  const choices = await within(provisionChoices(deps, userId, wanted), bot.catalogWaitMs).catch(
    (error: unknown) => {
      bot.log.error("catalog unavailable", { error: String(error) });
      return null;
    },
  );
  if (!choices) {
    return refusalModal(
      "Try again",
      "Hetzner's list of server types is not at hand right now. Try again in a minute.",
    );
  }
  const { location, locations } = choices;
  const offers = choices.offers.filter(
    (o) => o.location === location && (!o.type.locations || o.type.locations.includes(location)),
  );
  const keepWork = await keepWorkChoice(bot, userId, location, choices.keepWork);
  return provisionModal({
    keepWork,
    policy: deps.policy,
    locations,
    offers,
    choice: {
      location,
      serverType: choices.serverType,
      hours: choices.hours,
      packages: choices.packages,
      repo: choices.repo,
    },
    lastKey: choices.lastKey,
    software: softwarePolicyOf(deps),
  });
}

/** The checkbox with what it gives and costs, from the price the bot keeps warm (the form must open at once). */
async function keepWorkChoice(
  bot: BotContext,
  userId: string,
  location: string,
  ticked: boolean,
): Promise<{ line: string; ticked: boolean }> {
  const offer = await volumeOffer(bot.deps, userId, location, volumePolicy(bot.deps).defaultGb, {
    cachedPrice: true,
  });
  return { line: offer.line, ticked };
}
