import * as z from "zod";
import { type SaveResult, startSave } from "../core/snapshots/save.ts";
import type { Snapshot } from "../core/store/store.ts";
import { userFacingFailure } from "../core/user-facing-failure.ts";
import { errorMessage, escapeText, type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { EXAMPLE_SNAPSHOT } from "../render/schemas/examples.ts";
import { snapshotJson } from "../render/snapshot-view.ts";
import { stepLine } from "../render/text.ts";
import { formatUtc } from "../render/time.ts";
import { defineCommand, type Started } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { instanceId } from "./input.ts";
import { progressStream } from "./progress.ts";

export const saveInput = z.object({ id: instanceId });

/**
 * Refuses at once what the save would refuse (not yours, not ready, already being saved, busy, a
 * full snapshot quota) and records the snapshot; the image and the delete are the work. A failed
 * snapshot is a result (the machine is kept, the owner told), not an error.
 */
async function start(
  ctx: CommandContext,
  input: z.output<typeof saveInput>,
): Promise<Started<Snapshot, SaveResult>> {
  const { snapshot, finish } = await startSave(ctx.deps, ctx.actor, input.id);
  return { accepted: snapshot, work: progressStream(ctx.deps.clock, () => finish()) };
}

export function saveText(result: SaveResult): string {
  const { id } = result.instance;
  if (result.kind === "failed") {
    return `${id} could not be saved (${result.reason}); it was not deleted and keeps running until its expiry.`;
  }
  return `${id} saved and deleted. Restore it with: ccc restore ${id}\nsnapshot kept until ${formatUtc(result.snapshot.expiresAt)}`;
}

function saveBlocks(result: SaveResult): SlackMessage {
  const { id } = result.instance;
  const text = saveText(result);
  if (result.kind === "failed") {
    return {
      text,
      blocks: [
        section(
          `:warning: *${id}* could not be saved: ${escapeText(result.reason)}. It was *not* deleted and keeps running until its expiry.`,
        ),
      ],
    };
  }
  return {
    text,
    blocks: [section(`:floppy_disk: *${id}* is saved and deleted. \`/ccc restore ${id}\` brings it back.`)],
  };
}

export const saveCommand = defineCommand({
  name: "save",
  summary: "snapshot a machine, then delete it (restore it later with restore)",
  input: saveInput,
  audience: "owner-or-admin",
  start,
  accepted: {
    subject: (snapshot) => snapshot.id,
    text: (snapshot) =>
      `saving ${snapshot.id}: taking a snapshot (about a minute), then deleting the machine`,
    json: (snapshot) => snapshotJson(snapshot, null),
    blocks: (snapshot) => ({
      text: `${snapshot.id} is being saved.`,
      blocks: [
        section(`:floppy_disk: *${escapeText(snapshot.id)}* is being saved: a snapshot, then the delete.`),
      ],
    }),
    progressText: (event, snapshot) => stepLine(snapshot.id, event.elapsedMs, event.detail ?? event.step),
    progressBlocks: () => null,
    // The save tells the owner itself, saved or not (the snapshot notices): a door following it adds no DM.
    toldBySelf: true,
    failure: (_ctx, _snapshot, error) => errorMessage(userFacingFailure(error)),
  },
  text: saveText,
  json: (result) => ({ saved: result.kind === "saved", snapshot: snapshotJson(result.snapshot, null) }),
  blocks: saveBlocks,
  failed: (result) => result.kind === "failed",
  doors: {
    http: [
      {
        method: "POST",
        path: "/instances/:id/save",
        from: "none",
        status: 202,
        serialized: true,
        response: "snapshot",
        example: {
          response: { ...EXAMPLE_SNAPSHOT, status: "saving", imageId: null, sizeGb: null, monthly: null },
        },
      },
    ],
    cli: {
      args: ["<id>"],
      needs: { cloud: true },
      examples: ["ccc save ccc-7f3k2q"],
      input: ({ args }) => ({ id: args.id }),
    },
    slack: {
      usage: "save <id>",
      help: "snapshot a machine and delete it; `/ccc restore <id>` brings it back",
      example: "save ccc-7f3k2q",
      serialized: true,
      input: ([id]) => ({ id }),
    },
  },
});
