import { callSlack } from "../adapters/slack/web-client.ts";
import type { Instance } from "../core/instances/instance.ts";
import { type PoolView, poolView } from "../core/pool/pool-view.ts";
import { spendSummary } from "../core/usage/spend-summary.ts";
import { within } from "../core/within.ts";
import { homeView } from "../render/block-kit/home-view.ts";
import type { BotContext } from "./bot-context.ts";

/** Publishes the App Home tab for one user as things are now. */
export async function publishHome(bot: BotContext, userId: string, notice?: string): Promise<void> {
  const isAdmin = bot.identity.isAdmin(userId);
  const mine = bot.deps.store.list({ owner: userId });
  const everyone = isAdmin ? bot.deps.store.list() : null;
  const hourlyTotal = everyone ? await hourlyCost(bot, everyone) : null;
  const pool = isAdmin ? await adminPoolLine(bot) : null;
  const now = bot.deps.clock.now();
  const view = homeView({
    mine,
    everyone: everyone
      ? { instances: everyone, hourlyTotal, spend: spendSummary(bot.deps.store, now) }
      : null,
    pool,
    now,
    notice,
    idle: {
      lastActive: Object.fromEntries(
        mine.flatMap((i) => {
          const at = bot.deps.store.hibernation.activity(i.id)?.lastActiveAt;
          return at ? [[i.id, at]] : [];
        }),
      ),
      asleep: bot.deps.store.hibernation.asleep(userId),
    },
  });
  await callSlack(bot.log, "views.publish", () => bot.client.views.publish({ user_id: userId, view }));
}

/** The summed hourly price of these instances, as a decimal string; null when prices are not at hand. */
async function hourlyCost(bot: BotContext, instances: Instance[]): Promise<string | null> {
  const catalog = await within(bot.deps.catalog.load(), bot.catalogWaitMs).catch(() => null);
  if (!catalog) return null;
  let total = 0;
  for (const i of instances) {
    const price = catalog.types
      .find((t) => t.name === i.serverType)
      ?.prices.find((p) => p.location === i.location);
    total += Number(price?.hourly ?? 0);
  }
  return total.toFixed(4);
}

/** The warm pool's size and cost for the admins' Home; null without a pool. */
async function adminPoolLine(bot: BotContext): Promise<PoolView | null> {
  if (!bot.deps.pool.targets.length) return null;
  const catalog = await within(bot.deps.catalog.load(), bot.catalogWaitMs).catch(() => null);
  return poolView(bot.deps, catalog?.types ?? null);
}
