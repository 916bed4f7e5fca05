import * as z from "zod";
import type { Instance } from "../core/instances/instance.ts";
import { type RestoreResult, runRestore, startRestore } from "../core/snapshots/restore.ts";
import { readyMessage } from "../render/block-kit/instance-blocks.ts";
import { instanceJson } from "../render/json.ts";
import { RESTORE_STEP_TEXT, stepLine } from "../render/text.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { hours, instanceId, optionalText, parseInput } from "./input.ts";
import { provisionText } from "./provision.ts";

export const restoreInput = z.object({
  /** The snapshot: the id of the machine that was saved. */
  snapshot: instanceId,
  hours: hours.optional(),
  serverType: optionalText,
  location: optionalText,
});

export interface Restored {
  instance: Instance;
  /** The snapshot it came from. */
  from: string;
}

async function run(ctx: CommandContext, input: z.output<typeof restoreInput>): Promise<Restored> {
  const { instance, snapshot }: RestoreResult = await startRestore(ctx.deps, ctx.actor, {
    snapshotId: input.snapshot,
    hours: input.hours,
    serverType: input.serverType,
    location: input.location,
  });
  ctx.report?.(
    `${instance.id}: restoring ${snapshot.id} on a ${instance.serverType} in ${instance.location}`,
  );
  const started = ctx.deps.clock.now().getTime();
  const ready = await runRestore(ctx.deps, instance, snapshot, (step) =>
    ctx.report?.(stepLine(instance.id, ctx.deps.clock.now().getTime() - started, RESTORE_STEP_TEXT[step])),
  );
  return { instance: ready, from: snapshot.id };
}

/** A new machine from a snapshot: no installer, the saved host key, the owner's current key. */
export function restore(ctx: CommandContext, input: z.input<typeof restoreInput>): Promise<Restored> {
  return run(ctx, parseInput(restoreInput, input));
}

export const restoreCommand = defineCommand({
  name: "restore",
  summary: "bring a saved machine back from its snapshot",
  input: restoreInput,
  // Owner or admin, checked against the snapshot's owner.
  audience: "self",
  run,
  text: (result, { now, sshPort }) =>
    `Restored ${result.from} as ${result.instance.id}.\n${provisionText(result.instance, now, sshPort)}`,
  json: (result, viewer) => ({ ...instanceJson(result.instance, viewer), restoredFrom: result.from }),
  blocks: (result, { now, sshPort }) => readyMessage(result.instance, now, sshPort),
  doors: {
    cli: {
      args: ["<snapshot>"],
      options: [
        { flags: "--hours <n>", description: "lifetime in hours (default CCC_DEFAULT_HOURS)" },
        { flags: "--type <type>", description: "server type (default: the saved machine's)" },
        { flags: "--location <location>", description: "location (default: the saved machine's)" },
      ],
      needs: { cloud: true },
      examples: ["ccc restore ccc-7f3k2q", "ccc restore ccc-7f3k2q --hours 8 --type cx33"],
      input: ({ args, options }) => ({
        snapshot: args.snapshot,
        hours: options.hours,
        serverType: options.type,
        location: options.location,
      }),
    },
    slack: {
      usage: "restore <snapshot> [hours]",
      help: "bring a saved machine back, e.g. `/ccc restore ccc-7f3k2q 4`",
      example: "restore ccc-7f3k2q",
      input: ([snapshot, h]) => ({ snapshot, hours: h }),
    },
  },
});
