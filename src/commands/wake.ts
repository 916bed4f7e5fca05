import * as z from "zod";
import { runWake, type StartedWake, startWake } from "../core/hibernate/wake.ts";
import type { Instance } from "../core/instances/instance.ts";
import type { ProvisionStep } from "../core/provision/provision-failure.ts";
import { userFacingFailure } from "../core/user-facing-failure.ts";
import { readyMessage } from "../render/block-kit/instance-blocks.ts";
import { errorMessage, section } from "../render/block-kit/mrkdwn.ts";
import { instanceJson } from "../render/json.ts";
import { EXAMPLES } from "../render/schemas/examples.ts";
import { RESTORE_STEP_TEXT, stepLine } from "../render/text.ts";
import { defineCommand, type Started } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { instanceId } from "./input.ts";
import { progressStream } from "./progress.ts";
import { provisionText } from "./provision.ts";

export const wakeInput = z.object({ id: instanceId });

/** Refuses at once (not asleep, not yours, already waking, quota, budget) and records the wake; the boot is the work. */
async function start(
  ctx: CommandContext,
  input: z.output<typeof wakeInput>,
): Promise<Started<StartedWake, Instance>> {
  const started = await startWake(ctx.deps, ctx.actor, input.id);
  const work = progressStream(ctx.deps.clock, (emit) =>
    runWake(ctx.deps, started, (step) =>
      emit({ step, instance: ctx.deps.store.get(input.id) ?? started.instance }),
    ),
  );
  return { accepted: started, work };
}

export const wakeCommand = defineCommand({
  name: "wake",
  summary: "bring a hibernated machine back: same id, same host key, its lifetime left",
  input: wakeInput,
  audience: "owner-or-admin",
  start,
  accepted: {
    subject: ({ instance }) => instance.id,
    text: ({ instance }) => `${instance.id}: waking from its hibernation snapshot (same id, same host key)`,
    json: ({ instance }) => ({ ...instanceJson(instance), woken: false }),
    blocks: ({ instance }) => ({
      text: `${instance.id} is waking.`,
      blocks: [section(`:sunrise: *${instance.id}* is waking from its hibernation snapshot.`)],
    }),
    progressText: (event, { instance }) =>
      stepLine(
        instance.id,
        event.elapsedMs,
        event.step in RESTORE_STEP_TEXT
          ? RESTORE_STEP_TEXT[event.step as ProvisionStep]
          : event.step.replaceAll("_", " "),
      ),
    progressBlocks: () => null,
    // The wake tells the owner itself, ready or failed (the snapshot kept): nothing to add.
    toldBySelf: true,
    failure: (_ctx, _started, error) => errorMessage(userFacingFailure(error)),
  },
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
    http: [
      {
        method: "POST",
        path: "/instances/:id/wake",
        from: "none",
        status: 202,
        serialized: true,
        response: "waking",
        example: { response: { ...EXAMPLES.creating, woken: false } },
      },
    ],
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
