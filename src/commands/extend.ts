import * as z from "zod";
import { extend as extendCore } from "../core/instances/extend.ts";
import type { Instance } from "../core/instances/instance.ts";
import { tellOwner } from "../core/instances/tell-owner.ts";
import type { PushOutcome } from "../core/machine/push-state.ts";
import { instanceCard } from "../render/block-kit/instance-blocks.ts";
import { type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { instanceJson } from "../render/json.ts";
import { machinePushSentence } from "../render/machine-push.ts";
import { EXAMPLES } from "../render/schemas/examples.ts";
import { formatUtc, leftPhrase } from "../render/time.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { hours, instanceId, parseInput } from "./input.ts";

export const extendInput = z.object({ id: instanceId, hours });

export interface ExtendResult {
  instance: Instance;
  hours: number;
  /** Whether the machine itself shows the new expiry yet. */
  machine?: PushOutcome;
}

async function run(ctx: CommandContext, input: z.output<typeof extendInput>): Promise<ExtendResult> {
  const { instance, machine } = await extendCore(ctx.deps, ctx.actor, input.id, input.hours);
  await tellOwner(ctx.deps, ctx.actor, instance, { did: "extended", hours: input.hours });
  return { instance, hours: input.hours, machine };
}

/** Moves the machine's expiry by `hours`, within the caps. */
export async function extend(ctx: CommandContext, input: z.input<typeof extendInput>): Promise<Instance> {
  return (await run(ctx, parseInput(extendInput, input))).instance;
}

export function extendText(instance: Instance, now: Date, machine?: PushOutcome): string {
  const line = `${instance.id} now expires at ${formatUtc(instance.expiresAt)} (${leftPhrase(instance.expiresAt, now)}).`;
  return machine ? `${line}\n${machinePushSentence(machine)}` : line;
}

export function extendBlocks(result: ExtendResult, now: Date): SlackMessage {
  const { instance, hours, machine } = result;
  const onMachine = machine ? ` ${machinePushSentence(machine)}` : "";
  return {
    text: `${instance.id} extended by ${hours} h.${onMachine}`,
    blocks: [
      section(`:white_check_mark: Extended *${instance.id}* by ${hours} h.${onMachine}`),
      ...instanceCard(instance, now),
    ],
  };
}

export const extendCommand = defineCommand({
  name: "extend",
  summary: "give a machine more time (within CCC_MAX_HOURS per request and CCC_MAX_LIFETIME_HOURS in all)",
  input: extendInput,
  audience: "owner-or-admin",
  run,
  text: (result, { now }) => extendText(result.instance, now, result.machine),
  json: (result, viewer) => ({
    ...instanceJson(result.instance, viewer),
    machine: result.machine?.kind ?? null,
  }),
  blocks: (result, { now }) => extendBlocks(result, now),
  doors: {
    http: [
      {
        method: "POST",
        path: "/instances/:id/extend",
        from: "body",
        status: 200,
        serialized: true,
        response: "extended",
        example: { body: { hours: 2 }, response: { ...EXAMPLES.ready, machine: "pushed" } },
      },
    ],
    cli: {
      args: ["<id>", "<hours>"],
      needs: { cloud: true, notifies: true },
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
