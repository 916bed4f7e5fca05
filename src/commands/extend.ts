import { z } from "zod";
import { extend as extendCore } from "../core/instances/extend.ts";
import type { Instance } from "../core/instances/instance.ts";
import { instanceCard } from "../render/block-kit/instance-blocks.ts";
import { type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { instanceJson } from "../render/json.ts";
import { formatUtc, leftPhrase } from "../render/time.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { hours, instanceId, parseInput } from "./input.ts";

export const extendInput = z.object({ id: instanceId, hours });

export interface ExtendResult {
  instance: Instance;
  hours: number;
}

async function run(ctx: CommandContext, input: z.output<typeof extendInput>): Promise<ExtendResult> {
  return { instance: await extendCore(ctx.deps, ctx.actor, input.id, input.hours), hours: input.hours };
}

/** Moves the machine's expiry by `hours`, within the caps. */
export async function extend(ctx: CommandContext, input: z.input<typeof extendInput>): Promise<Instance> {
  return (await run(ctx, parseInput(extendInput, input))).instance;
}

export function extendText(instance: Instance, now: Date): string {
  return `${instance.id} now expires at ${formatUtc(instance.expiresAt)} (${leftPhrase(instance.expiresAt, now)}).`;
}

export function extendBlocks(result: ExtendResult, now: Date): SlackMessage {
  const { instance, hours } = result;
  return {
    text: `${instance.id} extended by ${hours} h.`,
    blocks: [
      section(`:white_check_mark: Extended *${instance.id}* by ${hours} h.`),
      ...instanceCard(instance, now),
    ],
  };
}

export const extendCommand = defineCommand({
  name: "extend",
  summary: "give a machine more time (within CCC_MAX_HOURS per request and CCC_MAX_LIFETIME_HOURS in all)",
  input: extendInput,
  audience: "owner",
  run,
  text: (result, { now }) => extendText(result.instance, now),
  json: (result) => instanceJson(result.instance),
  blocks: (result, { now }) => extendBlocks(result, now),
  doors: {
    cli: {
      args: ["<id>", "<hours>"],
      needs: { cloud: true },
      examples: ["ccc extend ccc-7f3k2q 2"],
      input: ({ args }) => ({ id: args.id, hours: args.hours }),
    },
    slack: {
      usage: "extend <id> <hours>",
      help: "more time, e.g. `/ccc extend ccc-7f3k2q 2`",
      example: "extend ccc-7f3k2q 2",
      serialized: true,
      input: ([id, hours]) => ({ id, hours }),
    },
  },
});
