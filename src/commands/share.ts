import * as z from "zod";
import { parseGuest } from "../core/instances/owner.ts";
import { type Shared, share as shareCore } from "../core/instances/share.ts";
import { parseSshPublicKey } from "../core/ssh-key/ssh-key.ts";
import {
  accessMrkdwn,
  accessText,
  guestToldSentence,
  keysPushSentence,
  personMrkdwn,
} from "../render/access.ts";
import { type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked, instanceId, parseInput } from "./input.ts";

/** The key is parsed here, so a private or doubled key is refused before the machine is looked up. */
export const shareInput = z.object({
  id: instanceId,
  with: checked(z.string(), parseGuest),
  sshKey: checked(z.string(), (k) => parseSshPublicKey(k).line)
    .optional()
    .transform((v) => v ?? null),
});

function run(ctx: CommandContext, input: z.output<typeof shareInput>): Promise<Shared> {
  return shareCore(ctx.deps, ctx.actor, input.id, input.with, input.sshKey);
}

/** Lets another person log in to a running machine. */
export function share(ctx: CommandContext, input: z.input<typeof shareInput>): Promise<Shared> {
  return run(ctx, parseInput(shareInput, input));
}

/** JSON for a share or an unshare. */
export function sharedJson(result: Shared): unknown {
  return {
    id: result.instance.id,
    guest: result.guest,
    access: result.access,
    machine: result.machine?.kind ?? "waiting_for_key",
    guestTold: result.guestTold,
  };
}

export function shareText(result: Shared): string {
  const { instance, guest, access, machine, guestTold } = result;
  const told = guestToldSentence(guest, machine, guestTold);
  if (machine === null)
    return `${instance.id} will be shared with ${guest}. ${told}\naccess: ${accessText(access)}`;
  const login = instance.ipv4 ? ` They log in with: ssh claude@${instance.ipv4}` : "";
  return `${instance.id} is shared with ${guest}.${login}\naccess: ${accessText(access)}\n${keysPushSentence(machine)}${told ? `\n${told}` : ""}`;
}

export function shareBlocks(result: Shared): SlackMessage {
  const { instance, guest, access, machine, guestTold } = result;
  const told = guestToldSentence(personMrkdwn(guest), machine, guestTold);
  const head =
    machine === null
      ? `*${instance.id}* will be shared.`
      : `*${instance.id}* is shared. ${keysPushSentence(machine)}`;
  return {
    text:
      machine === null
        ? `${instance.id} will be shared once ${guest} sets a key.`
        : `${instance.id} is shared. ${keysPushSentence(machine)}`,
    blocks: [section(`:busts_in_silhouette: ${head} ${told}\nAccess: ${accessMrkdwn(access)}`)],
  };
}

export const shareCommand = defineCommand({
  name: "share",
  summary: "let someone else log in to a running machine (they cannot extend or delete it)",
  input: shareInput,
  audience: "owner",
  run,
  text: (result) => shareText(result),
  json: sharedJson,
  blocks: (result) => shareBlocks(result),
  doors: {
    cli: {
      args: ["<id>"],
      options: [
        { flags: "--with <user>", description: "who may log in (a Slack user id or a name)", required: true },
        {
          flags: "--ssh-key <file|-|key>",
          description:
            "their SSH public key (default: the key they use now; none on record: they are asked for one)",
          fileOrText: true,
        },
      ],
      needs: { cloud: true, notifies: true },
      examples: ["ccc share ccc-7f3k2q --with bob", "ccc share ccc-7f3k2q --with bob --ssh-key bob.pub"],
      input: ({ args, options }) => ({ id: args.id, with: options.with, sshKey: options.sshKey }),
    },
    slack: {
      usage: "share <id> <@person>",
      help: "let someone log in too, with the key they used last, e.g. `/ccc share ccc-7f3k2q @bob`",
      example: "share ccc-7f3k2q @bob",
      serialized: true,
      input: ([id, guest]) => ({ id, with: guest }),
    },
  },
});
