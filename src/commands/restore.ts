import * as z from "zod";
import type { Instance } from "../core/instances/instance.ts";
import { alertProvisionFailure } from "../core/provision/failure-alert.ts";
import type { ProvisionStep } from "../core/provision/provision-failure.ts";
import { type RestoreResult, runRestore, startRestore } from "../core/snapshots/restore.ts";
import { creatingMessage, failedMessage, readyMessage } from "../render/block-kit/instance-blocks.ts";
import { instanceJson } from "../render/json.ts";
import { EXAMPLE_SNAPSHOT, EXAMPLES } from "../render/schemas/examples.ts";
import { RESTORE_STEP_TEXT, stepLine } from "../render/text.ts";
import { ACCEPTED_STEP, defineCommand, type Started } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { hours, instanceId, optionalText } from "./input.ts";
import { progressStream } from "./progress.ts";
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

/** Checks the restore and records the new machine (nothing spent yet); the boot is the work. */
async function start(
  ctx: CommandContext,
  input: z.output<typeof restoreInput>,
): Promise<Started<RestoreResult, Restored>> {
  const accepted = await startRestore(ctx.deps, ctx.actor, {
    snapshotId: input.snapshot,
    hours: input.hours,
    serverType: input.serverType,
    location: input.location,
  });
  const { instance, snapshot } = accepted;
  const work = progressStream(ctx.deps.clock, async (emit) => {
    const ready = await runRestore(ctx.deps, instance, snapshot, (step) =>
      emit({ step, instance: ctx.deps.store.get(instance.id) ?? instance }),
    );
    return { instance: ready, from: snapshot.id };
  });
  return { accepted, work };
}

function restoreStep(step: string): step is ProvisionStep {
  return step in RESTORE_STEP_TEXT;
}

export const restoreCommand = defineCommand({
  name: "restore",
  summary: "bring a saved machine back from its snapshot",
  input: restoreInput,
  // Owner or admin, checked against the snapshot's owner.
  audience: "self",
  start,
  accepted: {
    subject: ({ instance }) => instance.id,
    text: ({ instance, snapshot }) =>
      `${instance.id}: restoring ${snapshot.id} on a ${instance.serverType} in ${instance.location}`,
    json: ({ instance, snapshot }, viewer) => ({
      ...instanceJson(instance, viewer),
      restoredFrom: snapshot.id,
    }),
    blocks: ({ instance }) => creatingMessage(instance, null, undefined, RESTORE_STEP_TEXT),
    // Its own steps: from the snapshot's image, no installer.
    progressText: (event, { instance }) =>
      stepLine(
        instance.id,
        event.elapsedMs,
        restoreStep(event.step) ? RESTORE_STEP_TEXT[event.step] : (event.detail ?? event.step),
      ),
    progressBlocks: (event, { instance }) => {
      const now = event.instance ?? instance;
      if (event.step === ACCEPTED_STEP) return creatingMessage(now, null, undefined, RESTORE_STEP_TEXT);
      if (!restoreStep(event.step) || event.step === "ready") return null;
      return creatingMessage(now, event.step, event.detail, RESTORE_STEP_TEXT);
    },
    failure: (ctx, { instance }, error) => failedMessage(alertProvisionFailure(ctx.deps, instance, error)),
  },
  text: (result, { now, sshPort }) =>
    `Restored ${result.from} as ${result.instance.id}.\n${provisionText(result.instance, now, sshPort)}`,
  json: (result, viewer) => ({ ...instanceJson(result.instance, viewer), restoredFrom: result.from }),
  blocks: (result, { now, sshPort }) => readyMessage(result.instance, now, sshPort),
  doors: {
    http: [
      {
        method: "POST",
        path: "/snapshots/:snapshot/restore",
        from: "body",
        status: 202,
        response: "restored",
        example: {
          body: { hours: 4, serverType: "cx33" },
          response: {
            ...EXAMPLES.creating,
            id: "ccc-9m4p8r",
            serverType: "cx33",
            restoredFrom: EXAMPLE_SNAPSHOT.id,
          },
        },
      },
    ],
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
