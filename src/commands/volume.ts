import * as z from "zod";
import type { WorkVolume } from "../core/store/store.ts";
import { deleteWorkVolume, parseVolumeId, volumeFor } from "../core/volumes/volume-views.ts";
import { type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { volumeDeleteConfirmation } from "../render/block-kit/volume-blocks.ts";
import { EXAMPLE_VOLUME } from "../render/schemas/examples.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked } from "./input.ts";

/** `volume delete <id>`; `confirmed` is the Slack button's (the CLI's operator confirmed by typing it). */
export const volumeInput = z.object({
  action: z.literal("delete", { error: "The only volume action is delete: volume delete <id>." }),
  id: checked(z.union([z.string(), z.number()]), parseVolumeId),
  confirmed: z.boolean().default(false),
});

export type VolumeResult =
  | { kind: "deleted"; volume: WorkVolume }
  /** Nothing done yet: Slack asks first. */
  | { kind: "confirm"; volume: WorkVolume };

async function run(ctx: CommandContext, input: z.output<typeof volumeInput>): Promise<VolumeResult> {
  if (!input.confirmed) {
    const volume = volumeFor(ctx.deps, ctx.actor, input.id);
    return { kind: "confirm", volume };
  }
  return { kind: "deleted", volume: await deleteWorkVolume(ctx.deps, ctx.actor, input.id) };
}

function volumeText(result: VolumeResult): string {
  const v = result.volume;
  return result.kind === "deleted"
    ? `Volume ${v.hetznerId} (${v.sizeGb} GB in ${v.location}) is deleted, with everything on it.`
    : `Delete volume ${v.hetznerId} (${v.sizeGb} GB in ${v.location}) and everything on it?`;
}

function volumeBlocks(result: VolumeResult): SlackMessage {
  if (result.kind === "confirm") return volumeDeleteConfirmation(result.volume);
  return { text: volumeText(result), blocks: [section(`:wastebasket: ${volumeText(result)}`)] };
}

export const volumeCommand = defineCommand({
  name: "volume",
  summary: "delete a work volume and everything on it (owner or admin; not while attached)",
  input: volumeInput,
  audience: "self",
  run,
  text: volumeText,
  json: (result) => ({ kind: result.kind, id: result.volume.hetznerId, owner: result.volume.owner }),
  blocks: volumeBlocks,
  doors: {
    http: [
      {
        method: "DELETE",
        path: "/volumes/:id",
        param: { pattern: "^[0-9]{1,12}$", example: String(EXAMPLE_VOLUME.id) },
        from: "none",
        // Slack asks first with a button; a DELETE is the asking done.
        fixed: () => ({ action: "delete", confirmed: true }),
        status: 200,
        response: "volumeDeleted",
        example: {
          response: {
            kind: "deleted",
            id: EXAMPLE_VOLUME.id,
            owner: EXAMPLE_VOLUME.owner,
            ownerName: "Alice",
          },
        },
      },
    ],
    cli: {
      args: ["<action>", "<id>"],
      needs: { cloud: true },
      examples: ["ccc volume delete 4711"],
      input: ({ args }) => ({ action: args.action, id: args.id, confirmed: true }),
    },
    slack: {
      usage: "volume delete <id>",
      help: "delete one of your work volumes (asks first)",
      example: "volume delete 4711",
      input: ([action, id]) => ({ action: action?.toLowerCase(), id }),
    },
  },
});
