import * as z from "zod";
import { onlyAdminsMay } from "../core/instances/actor.ts";
import { parseOwner } from "../core/instances/owner.ts";
import { type PricedSnapshot, pricedSnapshots } from "../core/snapshots/manage.ts";
import { EXAMPLE_SNAPSHOT } from "../render/schemas/examples.ts";
import { snapshotJson, snapshotListMessage, snapshotTable } from "../render/snapshot-view.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { queryFlag } from "./http-route.ts";
import { checked, parseInput } from "./input.ts";

export const snapshotsInput = z.object({
  all: z.boolean().default(false),
  /** One user's snapshots (yours by default). */
  user: checked(z.string(), parseOwner).optional(),
});

export interface SnapshotsResult {
  snapshots: PricedSnapshot[];
  all: boolean;
}

async function run(ctx: CommandContext, input: z.output<typeof snapshotsInput>): Promise<SnapshotsResult> {
  const { all, user = ctx.actor.id } = input;
  if (all) onlyAdminsMay(ctx.actor, "list everyone's snapshots");
  onlyAdminsMay(ctx.actor, "list someone else's snapshots", user);
  return { snapshots: await pricedSnapshots(ctx.deps, all ? undefined : user), all };
}

/** Saved machines with their size, monthly cost and end of retention. */
export function snapshots(
  ctx: CommandContext,
  input: z.input<typeof snapshotsInput>,
): Promise<SnapshotsResult> {
  return run(ctx, parseInput(snapshotsInput, input));
}

export const snapshotsCommand = defineCommand({
  name: "snapshots",
  summary: "list saved machines with size, €/month and when they are deleted",
  input: snapshotsInput,
  audience: "self",
  run,
  text: (result) => snapshotTable(result.snapshots, result.all),
  json: (result) => result.snapshots.map((s) => snapshotJson(s.snapshot, s.monthlyEuro)),
  blocks: (result) => snapshotListMessage(result.snapshots, result.all),
  doors: {
    http: [
      {
        method: "GET",
        path: "/snapshots",
        from: "query",
        query: (q) => ({ all: queryFlag(q.all), user: q.user }),
        status: 200,
        response: "snapshotList",
        example: { query: { all: "false" }, response: [EXAMPLE_SNAPSHOT] },
      },
    ],
    cli: {
      options: [
        { flags: "--all", description: "every user's snapshots" },
        { flags: "--user <name>", description: "this user's snapshots" },
      ],
      needs: { hetzner: true },
      examples: ["ccc snapshots", "ccc snapshots --all --json"],
      input: ({ options }) => ({ all: Boolean(options.all), user: options.user }),
    },
    slack: {
      usage: "snapshots",
      help: "your saved machines, with what they cost and when they are deleted",
      input: ([first]) => ({ all: first?.toLowerCase() === "all" }),
    },
  },
});
