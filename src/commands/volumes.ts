import * as z from "zod";
import { parseOwner } from "../core/instances/owner.ts";
import { listWorkVolumes, type VolumeView } from "../core/volumes/volume-views.ts";
import {
  type Block,
  context,
  dateToken,
  escapeText,
  type SlackMessage,
  section,
} from "../render/block-kit/mrkdwn.ts";
import { EXAMPLE_VOLUME } from "../render/schemas/examples.ts";
import { monthly, volumeJson, volumeTable } from "../render/volumes.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { queryFlag } from "./http-route.ts";
import { checked } from "./input.ts";

export const volumesInput = z.object({
  all: z.boolean().default(false),
  /** One user's volumes (yours by default; someone else's for admins). */
  user: checked(z.string(), parseOwner).optional(),
});

export interface VolumesResult {
  volumes: VolumeView[];
  showOwner: boolean;
}

async function run(ctx: CommandContext, input: z.output<typeof volumesInput>): Promise<VolumesResult> {
  const volumes = await listWorkVolumes(ctx.deps, ctx.actor, input);
  return { volumes, showOwner: input.all || (input.user !== undefined && input.user !== ctx.actor.id) };
}

export function volumesBlocks(result: VolumesResult): SlackMessage {
  if (result.volumes.length === 0) {
    const text = 'No work volumes. Tick "Keep my work" in /ccc provision to get one.';
    return { text, blocks: [section(escapeText(text))] };
  }
  const blocks: Block[] = [section(`*Work volumes* (${result.volumes.length})`)];
  for (const v of result.volumes.slice(0, 20)) {
    const owner = result.showOwner ? ` · ${escapeText(v.owner)}` : "";
    const use = v.attachedTo
      ? `attached to *${v.attachedTo}*`
      : `last used ${dateToken(v.lastUsedAt)}; deleted after ${dateToken(v.deleteAfter ?? v.lastUsedAt)} unless used`;
    blocks.push(section(`*${v.id}*${owner} · ${v.sizeGb} GB in ${v.location} · ${monthly(v)}\n${use}`));
  }
  if (result.volumes.length > 20) blocks.push(context(`…and ${result.volumes.length - 20} more.`));
  blocks.push(context("Delete one with `/ccc volume delete <id>`."));
  return { text: `Work volumes: ${result.volumes.map((v) => v.id).join(", ")}`, blocks };
}

export const volumesCommand = defineCommand({
  name: "volumes",
  summary: "list work volumes with size, location, €/month, attached machine and last use",
  input: volumesInput,
  audience: "self",
  run,
  text: (result) => volumeTable(result.volumes, result.showOwner),
  json: (result) => result.volumes.map(volumeJson),
  blocks: (result) => volumesBlocks(result),
  doors: {
    http: [
      {
        method: "GET",
        path: "/volumes",
        from: "query",
        query: (q) => ({ all: queryFlag(q.all), user: q.user }),
        status: 200,
        response: "volumeList",
        example: { query: { all: "false" }, response: [EXAMPLE_VOLUME] },
      },
    ],
    cli: {
      options: [
        { flags: "--all", description: "everyone's volumes (admins)" },
        { flags: "--user <name>", description: "this user's volumes (admins, for someone else)" },
      ],
      needs: { hetzner: true },
      examples: ["ccc volumes", "ccc volumes --all --json"],
      input: ({ options, config }) => ({
        all: Boolean(options.all),
        user: options.user ?? config.operator.name,
      }),
    },
    slack: {
      usage: "volumes",
      help: "your work volumes with their price (`/ccc volumes all`: everyone's, admins only)",
      input: ([first]) => ({ all: first?.toLowerCase() === "all" }),
    },
  },
});
