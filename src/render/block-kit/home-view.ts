import type { types } from "@slack/bolt";
import type { Instance } from "../../core/instances/instance.ts";
import type { PoolView } from "../../core/pool/pool-view.ts";
import type { Hibernation } from "../../core/store/store.ts";
import type { SpendSummary } from "../../core/usage/spend-summary.ts";
import { wakeButton } from "../hibernation-notices.ts";
import { euro } from "../text.ts";
import { ACTIONS, instanceCard } from "./instance-blocks.ts";
import { type Block, context, dateToken, escapeText, plain, section } from "./mrkdwn.ts";
import { spendBlocks } from "./spend-blocks.ts";

export interface HomeInput {
  mine: Instance[];
  /** Every live instance, for admins; null for everyone else. */
  everyone: { instances: Instance[]; hourlyTotal: string | null; spend?: SpendSummary } | null;
  now: Date;
  /** The warm pool, for admins when there is one. */
  pool?: PoolView | null;
  /** A one-off line on top, e.g. why a button did nothing. */
  notice?: string | undefined;
  /** The person's machines' last active times and their hibernated machines (with a Wake button). */
  idle?: { lastActive: Readonly<Record<string, Date>>; asleep: readonly Hibernation[] };
}

export function homeView(input: HomeInput): types.HomeView {
  const blocks: Block[] = [];
  if (input.notice) blocks.push(section(`:warning: ${escapeText(input.notice)}`));
  blocks.push(
    { type: "header", text: plain("Your machines") },
    {
      type: "actions",
      block_id: "home_new",
      elements: [
        {
          type: "button",
          action_id: ACTIONS.newMachine,
          text: plain("New machine"),
          style: "primary",
          value: "new",
        },
      ],
    },
  );
  if (input.mine.length === 0) blocks.push(section("You have no machines running."));
  for (const i of input.mine) {
    blocks.push({ type: "divider" }, ...instanceCard(i, input.now));
    const active = input.idle?.lastActive[i.id];
    if (active) blocks.push(context(`Last active ${dateToken(active)}`));
  }
  for (const h of input.idle?.asleep ?? []) {
    blocks.push(
      { type: "divider" },
      section(
        `:sleeping: *${h.instanceId}* is hibernating since ${dateToken(h.sleptAt)}; ssh does not answer while it sleeps.`,
      ),
      wakeButton(h.instanceId),
    );
  }
  if (input.everyone) {
    const { instances, hourlyTotal } = input.everyone;
    const cost = hourlyTotal === null ? "" : ` · ${euro(hourlyTotal)} per hour in all`;
    blocks.push(
      { type: "header", text: plain("Everyone's live machines (admin)") },
      context(`${instances.length} running${cost}`),
    );
    for (const i of instances.slice(0, 40)) {
      blocks.push(...instanceCard(i, input.now, { showOwner: true, scope: "all:" }));
    }
    if (instances.length > 40) blocks.push(context(`…and ${instances.length - 40} more: /ccc list all`));
    if (input.everyone.spend) blocks.push(...spendBlocks(input.everyone.spend, input.now));
  }
  if (input.pool) blocks.push(poolLine(input.pool));
  blocks.push(context("`/ccc help` lists every command."));
  return { type: "home", blocks: blocks.slice(0, 100) };
}

function poolLine(pool: PoolView): Block {
  const ready = pool.members.filter((m) => m.state === "ready").length;
  const wanted = pool.wanted.reduce((n, t) => n + t.count, 0);
  const cost = pool.hourlyTotal === null ? "" : ` · ${euro(pool.hourlyTotal)} per hour`;
  return context(`Warm pool: ${ready} of ${wanted} ready, ${pool.members.length} machines in all${cost}`);
}
