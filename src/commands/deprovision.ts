import * as z from "zod";
import { centsJson } from "../core/billing/money.ts";
import { type DeprovisionResult, deprovision as deprovisionCore } from "../core/instances/deprovision.ts";
import { tellOwner } from "../core/instances/tell-owner.ts";
import { type MachineCost, machineCost } from "../core/usage/machine-cost.ts";
import { textMessage } from "../render/block-kit/mrkdwn.ts";
import { costSentence } from "../render/cost.ts";
import { instanceJson } from "../render/json.ts";
import { EXAMPLES } from "../render/schemas/examples.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { instanceId, parseInput } from "./input.ts";

export const deprovisionInput = z.object({ id: instanceId });

/** A deletion with what the machine cost in all, when the ledger prices it. */
export type DeprovisionShown = DeprovisionResult & { cost?: MachineCost };

async function run(ctx: CommandContext, input: z.output<typeof deprovisionInput>): Promise<DeprovisionShown> {
  const result = await deprovisionCore(ctx.deps, ctx.actor, input.id);
  if (result.changed) await tellOwner(ctx.deps, ctx.actor, result.instance, { did: "deleted" });
  const cost = result.changed ? machineCost(ctx.deps.store, result.instance.id, ctx.deps.clock.now()) : null;
  return cost ? { ...result, cost } : result;
}

/** Deletes the machine now; safe to repeat. */
export async function deprovision(
  ctx: CommandContext,
  input: z.input<typeof deprovisionInput>,
): Promise<DeprovisionShown> {
  return run(ctx, parseInput(deprovisionInput, input));
}

export function deprovisionText(result: DeprovisionShown): string {
  const { instance, changed } = result;
  if (changed) return `${instance.id} deleted; its server is gone.${costSentence(result.cost)}`;
  if (instance.status === "failed") return `${instance.id} had failed; its server was already removed.`;
  return `${instance.id} was already deleted.`;
}

export const deprovisionCommand = defineCommand({
  name: "deprovision",
  aliases: ["delete"],
  summary: "delete a machine now",
  input: deprovisionInput,
  audience: "owner-or-admin",
  refusedAs: "delete",
  run,
  text: deprovisionText,
  json: (result, viewer) => ({
    ...instanceJson(result.instance, viewer),
    changed: result.changed,
    // What the ledger billed it, in money's one JSON shape, once an hour was billed.
    ...(result.cost && result.cost.hours > 0
      ? { cost: centsJson(result.cost.cents), hoursBilled: result.cost.hours }
      : {}),
  }),
  blocks: (result) => textMessage(deprovisionText(result)),
  doors: {
    http: [
      {
        method: "DELETE",
        path: "/instances/:id",
        from: "none",
        status: 200,
        serialized: true,
        conflict: (json, text) =>
          (json as { changed?: boolean }).changed === false
            ? { code: "already_deleted", message: text }
            : null,
        response: "deleted",
        example: { response: { ...EXAMPLES.deleted, changed: true } },
      },
    ],
    cli: {
      args: ["<id>"],
      needs: { cloud: true, notifies: true },
      examples: ["ccc deprovision ccc-7f3k2q"],
      input: ({ args }) => ({ id: args.id }),
    },
    slack: {
      usage: "deprovision <id>",
      help: "delete a machine now",
      example: "deprovision ccc-7f3k2q",
      serialized: true,
      input: ([id]) => ({ id }),
    },
  },
});
