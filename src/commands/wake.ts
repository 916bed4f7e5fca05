import * as z from "zod";
import { runWake, startWake } from "../core/hibernate/wake.ts";
import type { Instance } from "../core/instances/instance.ts";
import { readyMessage } from "../render/block-kit/instance-blocks.ts";
import { section } from "../render/block-kit/mrkdwn.ts";
import { instanceJson } from "../render/json.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { instanceId } from "./input.ts";
import { provisionText } from "./provision.ts";

export const wakeInput = z.object({ id: instanceId });

async function run(ctx: CommandContext, input: z.output<typeof wakeInput>): Promise<Instance> {
  const started = await startWake(ctx.deps, ctx.actor, input.id);
  ctx.report?.(`${input.id}: waking from its hibernation snapshot (same id, same host key)`);
  return runWake(ctx.deps, started, (step) => ctx.report?.(`${input.id}: ${step.replaceAll("_", " ")}`));
}

export const wakeCommand = defineCommand({
  name: "wake",
  summary: "bring a hibernated machine back: same id, same host key, its lifetime left",
  input: wakeInput,
  // Owner or admin, checked against the hibernated machine's owner.
  audience: "anyone",
  run,
  text: (instance, { now, sshPort }) =>
    `${instance.id} is awake again.\n${provisionText(instance, now, sshPort)}`,
  json: (instance) => ({ ...instanceJson(instance), woken: true }),
  blocks: (instance, { now }) => {
    const ready = readyMessage(instance, now);
    return {
      text: ready.text,
      blocks: [
        section(`:sunrise: *${instance.id}* is awake again, with the same id and host key.`),
        ...ready.blocks,
      ],
    };
  },
  doors: {
    cli: {
      args: ["<id>"],
      needs: { cloud: true },
      examples: ["ccc wake ccc-7f3k2q"],
      input: ({ args }) => ({ id: args.id }),
    },
    slack: {
      usage: "wake <id>",
      help: "bring a hibernated machine back (ssh does not answer while it sleeps)",
      example: "wake ccc-7f3k2q",
      serialized: true,
      input: ([id]) => ({ id }),
    },
  },
});
