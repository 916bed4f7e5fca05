import * as z from "zod";
import { deleteSnapshot, keepSnapshot } from "../core/snapshots/manage.ts";
import type { Snapshot } from "../core/store/store.ts";
import { textMessage } from "../render/block-kit/mrkdwn.ts";
import { EXAMPLE_SNAPSHOT } from "../render/schemas/examples.ts";
import { snapshotJson } from "../render/snapshot-view.ts";
import { formatUtc } from "../render/time.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { instanceId, parseInput } from "./input.ts";

export const snapshotInput = z.object({
  action: z.enum(["delete", "keep"], { error: "the action is delete or keep" }),
  id: instanceId,
});

export interface SnapshotResult {
  action: "delete" | "keep";
  snapshot: Snapshot;
}

async function run(ctx: CommandContext, input: z.output<typeof snapshotInput>): Promise<SnapshotResult> {
  const snapshot =
    input.action === "delete"
      ? await deleteSnapshot(ctx.deps, ctx.actor, input.id)
      : await keepSnapshot(ctx.deps, ctx.actor, input.id);
  return { action: input.action, snapshot };
}

/** Deletes a snapshot now, or keeps it for another retention period. */
export function snapshot(ctx: CommandContext, input: z.input<typeof snapshotInput>): Promise<SnapshotResult> {
  return run(ctx, parseInput(snapshotInput, input));
}

export function snapshotText(result: SnapshotResult): string {
  const { id, expiresAt } = result.snapshot;
  return result.action === "delete"
    ? `The snapshot ${id} is deleted.`
    : `The snapshot ${id} is kept until ${formatUtc(expiresAt)}.`;
}

export const snapshotCommand = defineCommand({
  name: "snapshot",
  summary: "delete a snapshot now, or keep it longer",
  input: snapshotInput,
  // Owner or admin, checked against the snapshot's owner (it is not a live machine).
  audience: "self",
  run,
  text: snapshotText,
  json: (result) => ({ action: result.action, ...snapshotJson(result.snapshot, null) }),
  blocks: (result) => textMessage(snapshotText(result)),
  doors: {
    http: [
      {
        method: "DELETE",
        path: "/snapshots/:id",
        operation: "deleteSnapshot",
        from: "none",
        fixed: () => ({ action: "delete" }),
        status: 200,
        response: "snapshotAction",
        example: {
          response: { ...EXAMPLE_SNAPSHOT, action: "delete", status: "deleted", monthly: null },
        },
      },
      {
        method: "POST",
        path: "/snapshots/:id/keep",
        operation: "keepSnapshot",
        from: "none",
        fixed: () => ({ action: "keep" }),
        status: 200,
        response: "snapshotAction",
        example: {
          response: {
            ...EXAMPLE_SNAPSHOT,
            action: "keep",
            expiresAt: "2026-12-16T12:10:00.000Z",
            monthly: null,
          },
        },
      },
    ],
    cli: {
      args: ["<action>", "<id>"],
      needs: { cloud: true },
      examples: ["ccc snapshot delete ccc-7f3k2q", "ccc snapshot keep ccc-7f3k2q"],
      input: ({ args }) => ({ action: args.action, id: args.id }),
    },
    slack: {
      usage: "snapshot <delete|keep> <id>",
      help: "delete a snapshot now, or keep it longer",
      example: "snapshot delete ccc-7f3k2q",
      input: ([action, id]) => ({ action: action?.toLowerCase(), id }),
    },
  },
});
