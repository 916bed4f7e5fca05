import * as z from "zod";
import { UserError } from "../core/errors.ts";
import { parseGuest } from "../core/instances/owner.ts";
import { type Shared, share as shareCore } from "../core/instances/share.ts";
import { parseSshPublicKey } from "../core/ssh-key/ssh-key.ts";
import {
  accessMrkdwn,
  accessText,
  guestGrants,
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
  /** Without sudo: an account of their own and the work folder, rather than claude (root through sudo). */
  noSudo: checked(z.union([z.boolean(), z.string()]), parseNoSudo)
    .optional()
    .transform((v) => v === true),
});

// A button or the API sends a boolean; Slack's third word is `no-sudo`.
function parseNoSudo(value: boolean | string): boolean {
  if (typeof value === "boolean") return value;
  const word = value.trim().toLowerCase();
  if (["no-sudo", "--no-sudo", "nosudo", "true"].includes(word)) return true;
  if (word === "false" || word === "") return false;
  throw new UserError("After the person, only `no-sudo` may follow (a guest without sudo).", {
    code: "bad_option",
    field: "noSudo",
  });
}

function run(ctx: CommandContext, input: z.output<typeof shareInput>): Promise<Shared> {
  return shareCore(ctx.deps, ctx.actor, input.id, input.with, input.sshKey, { noSudo: input.noSudo });
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
    sudo: result.sudo,
    login: result.login,
    grants: guestGrants(result.sudo, "they", result.login),
    ...(result.machine?.kind === "pushed" && result.machine.sessions
      ? { sessionsEnded: result.machine.sessions.ended }
      : {}),
  };
}

export function shareText(result: Shared): string {
  const { instance, guest, access, machine, guestTold } = result;
  const told = guestToldSentence(guest, machine, guestTold);
  const grants = `\n${guestGrants(result.sudo, "they", result.login)}`;
  if (machine === null)
    return `${instance.id} will be shared with ${guest}. ${told}\naccess: ${accessText(access)}${grants}`;
  const login = instance.ipv4 ? ` They log in with: ssh ${result.login}@${instance.ipv4}` : "";
  return `${instance.id} is shared with ${guest}.${login}\naccess: ${accessText(access)}\n${keysPushSentence(machine)}${told ? `\n${told}` : ""}${grants}`;
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
    blocks: [
      section(`:busts_in_silhouette: ${head} ${told}\nAccess: ${accessMrkdwn(access)}`),
      section(`:warning: ${guestGrants(result.sudo, "they", result.login)}`),
    ],
  };
}

export const shareCommand = defineCommand({
  name: "share",
  summary:
    "let someone else log in to a running machine: as claude with sudo (root), or with --no-sudo an account of their own and the work folder",
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
        {
          flags: "--no-sudo",
          description:
            "an account of their own without sudo, with the work folder only (default: they log in as claude, with sudo)",
        },
      ],
      needs: { cloud: true, notifies: true },
      examples: [
        "ccc share ccc-7f3k2q --with bob",
        "ccc share ccc-7f3k2q --with bob --ssh-key bob.pub",
        "ccc share ccc-7f3k2q --with bob --no-sudo",
      ],
      // Commander reads --no-sudo as `sudo: false`.
      input: ({ args, options }) => ({
        id: args.id,
        with: options.with,
        sshKey: options.sshKey,
        noSudo: options.sudo === false,
      }),
    },
    slack: {
      usage: "share <id> <@person> [no-sudo]",
      help: "let someone log in too, with the key they used last: as claude with sudo (root), or with `no-sudo` an account of their own and the work folder, e.g. `/ccc share ccc-7f3k2q @bob no-sudo`",
      example: "share ccc-7f3k2q @bob no-sudo",
      serialized: true,
      input: ([id, guest, option]) => ({ id, with: guest, noSudo: option }),
    },
  },
});
