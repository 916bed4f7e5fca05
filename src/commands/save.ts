import * as z from "zod";
import { type SaveResult, saveMachine } from "../core/snapshots/save.ts";
import { escapeText, type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { snapshotJson } from "../render/snapshot-view.ts";
import { formatUtc } from "../render/time.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { instanceId, parseInput } from "./input.ts";

export const saveInput = z.object({ id: instanceId });

function run(ctx: CommandContext, input: z.output<typeof saveInput>): Promise<SaveResult> {
  ctx.report?.(`saving ${input.id}: taking a snapshot (about a minute), then deleting the machine`);
  return saveMachine(ctx.deps, ctx.actor, input.id);
}

/** Snapshots a machine, then deletes it; a failed snapshot keeps the machine. */
export function save(ctx: CommandContext, input: z.input<typeof saveInput>): Promise<SaveResult> {
  return run(ctx, parseInput(saveInput, input));
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
  run,
  text: saveText,
  json: (result) => ({ saved: result.kind === "saved", snapshot: snapshotJson(result.snapshot, null) }),
  blocks: saveBlocks,
  failed: (result) => result.kind === "failed",
  doors: {
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
