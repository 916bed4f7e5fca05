import * as z from "zod";
import { parseGuest } from "../core/instances/owner.ts";
import { type Shared, unshare as unshareCore } from "../core/instances/share.ts";
import { accessMrkdwn, accessText, keysPushSentence } from "../render/access.ts";
import { type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked, instanceId, parseInput } from "./input.ts";
import { sharedJson } from "./share.ts";

export const unshareInput = z.object({ id: instanceId, with: checked(z.string(), parseGuest) });

function run(ctx: CommandContext, input: z.output<typeof unshareInput>): Promise<Shared> {
  return unshareCore(ctx.deps, ctx.actor, input.id, input.with);
}

/** Takes someone's access to a machine away again. */
export function unshare(ctx: CommandContext, input: z.input<typeof unshareInput>): Promise<Shared> {
  return run(ctx, parseInput(unshareInput, input));
}

export function unshareText(result: Shared): string {
  const { instance, guest, access, machine } = result;
  return `${instance.id} is no longer shared with ${guest}.\naccess: ${accessText(access)}\n${keysPushSentence(machine)}`;
}

export function unshareBlocks(result: Shared): SlackMessage {
  const { instance, access, machine } = result;
  return {
    text: `${instance.id} is no longer shared. ${keysPushSentence(machine)}`,
    blocks: [
      section(
        `:no_entry_sign: *${instance.id}* is no longer shared. ${keysPushSentence(machine)}\nAccess: ${accessMrkdwn(access)}`,
      ),
    ],
  };
}

export const unshareCommand = defineCommand({
  name: "unshare",
  summary: "take away someone's access to a machine",
  input: unshareInput,
  audience: "owner",
  run,
  text: (result) => unshareText(result),
  json: sharedJson,
  blocks: (result) => unshareBlocks(result),
  doors: {
    cli: {
      args: ["<id>"],
      options: [{ flags: "--with <user>", description: "whose access to take away", required: true }],
      needs: { cloud: true },
      examples: ["ccc unshare ccc-7f3k2q --with bob"],
      input: ({ args, options }) => ({ id: args.id, with: options.with }),
    },
    slack: {
      usage: "unshare <id> <@person>",
      help: "take that access away again",
      example: "unshare ccc-7f3k2q @bob",
      serialized: true,
      input: ([id, guest]) => ({ id, with: guest }),
    },
  },
});
