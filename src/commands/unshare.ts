import * as z from "zod";
import { parseGuest } from "../core/instances/owner.ts";
import { type Shared, unshare as unshareCore } from "../core/instances/share.ts";
import {
  accessMrkdwn,
  accessText,
  guestGrants,
  guestSecretsSentence,
  keysPushSentence,
} from "../render/access.ts";
import { type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { EXAMPLE_ID } from "../render/schemas/examples.ts";
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
  return `${instance.id} is no longer shared with ${guest}.\naccess: ${accessText(access)}\n${keysPushSentence(machine)}${endedText(result)}`;
}

/** What unshare ended on the machine, and what it could not: said after the keys sentence. */
function endedText(result: Shared): string {
  const { machine } = result;
  if (machine?.kind !== "pushed") return "";
  const ended = machine.sessions?.ended ?? 0;
  const endedSentence =
    ended > 0
      ? ` ${ended} open SSH session${ended === 1 ? "" : "s"} of theirs ${ended === 1 ? "was" : "were"} ended.`
      : " They had no open SSH session.";
  const unchecked = machine.sessions?.unchecked ?? 0;
  const uncheckedSentence =
    unchecked > 0
      ? ` ${unchecked} session${unchecked === 1 ? "" : "s"} could not be told apart by key${machine.sessions?.error ? ` (${machine.sessions.error})` : ""} and ${unchecked === 1 ? "was" : "were"} left running.`
      : "";
  const leftovers = result.sudo
    ? " They had sudo: what they set up on the machine stays until it is deleted."
    : ` Every process of ${result.login} was ended and its home emptied.`;
  return `${endedSentence}${uncheckedSentence}${leftovers}`;
}

export function unshareBlocks(result: Shared): SlackMessage {
  const { instance, access, machine } = result;
  return {
    text: `${instance.id} is no longer shared. ${keysPushSentence(machine)}`,
    blocks: [
      section(
        `:no_entry_sign: *${instance.id}* is no longer shared. ${keysPushSentence(machine)}${endedText(result)}\nAccess: ${accessMrkdwn(access)}`,
      ),
    ],
  };
}

export const unshareCommand = defineCommand({
  name: "unshare",
  summary: "take away someone's access to a machine and end their open SSH sessions",
  input: unshareInput,
  audience: "owner-or-admin",
  run,
  text: (result) => unshareText(result),
  json: sharedJson,
  blocks: (result) => unshareBlocks(result),
  doors: {
    http: [
      {
        method: "POST",
        path: "/instances/:id/unshare",
        from: "body",
        status: 200,
        serialized: true,
        response: "shared",
        example: {
          body: { with: "U0BOB" },
          response: {
            id: EXAMPLE_ID,
            guest: "U0BOB",
            access: [{ who: "U012AB3CD", role: "owner" }],
            machine: "pushed",
            guestTold: null,
            sudo: false,
            login: "ccc-guest-1",
            grants: guestGrants(false, "they", "ccc-guest-1"),
            withSecrets: false,
            secrets: guestSecretsSentence(false, false),
            sessionsEnded: 1,
          },
        },
      },
    ],
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
