import * as z from "zod";
import { UserError } from "../core/errors.ts";
import { parseGuest } from "../core/instances/owner.ts";
import { type Shared, share as shareCore } from "../core/instances/share.ts";
import { parseSshPublicKey } from "../core/ssh-key/ssh-key.ts";
import {
  accessMrkdwn,
  accessText,
  guestGrants,
  guestSecretsSentence,
  guestToldSentence,
  keysPushSentence,
  personMrkdwn,
} from "../render/access.ts";
import { type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { EXAMPLE_ID, EXAMPLE_KEY } from "../render/schemas/examples.ts";
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
  /** Keep the owner's secrets on the machine while this guest has access (default: they leave). */
  withSecrets: z
    .union([z.boolean(), z.literal("true"), z.literal("false")])
    .optional()
    .transform((v) => v === true || v === "true"),
});

const WITH_SECRETS_WORDS = ["with-secrets", "--with-secrets", "withsecrets"];

// Slack's words after the person, in any order: `no-sudo` and `with-secrets`.
function slackOptions(words: readonly string[]): { noSudo: string | undefined; withSecrets: boolean } {
  const withSecrets = words.some((w) => WITH_SECRETS_WORDS.includes(w.trim().toLowerCase()));
  const rest = words.filter((w) => !WITH_SECRETS_WORDS.includes(w.trim().toLowerCase()));
  return { noSudo: rest.length > 0 ? rest.join(" ") : undefined, withSecrets };
}

// A button or the API sends a boolean; Slack's third word is `no-sudo`.
function parseNoSudo(value: boolean | string): boolean {
  if (typeof value === "boolean") return value;
  const word = value.trim().toLowerCase();
  if (["no-sudo", "--no-sudo", "nosudo", "true"].includes(word)) return true;
  if (word === "false" || word === "") return false;
  throw new UserError(
    "After the person, only `no-sudo` (a guest without sudo) and `with-secrets` (your secrets stay on the machine) may follow.",
    {
      code: "bad_option",
      field: "noSudo",
    },
  );
}

function run(ctx: CommandContext, input: z.output<typeof shareInput>): Promise<Shared> {
  return shareCore(ctx.deps, ctx.actor, input.id, input.with, input.sshKey, {
    noSudo: input.noSudo,
    withSecrets: input.withSecrets,
  });
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
    withSecrets: result.withSecrets,
    secrets: guestSecretsSentence(result.withSecrets, result.sudo),
    ...(result.machine?.kind === "pushed" && result.machine.sessions
      ? { sessionsEnded: result.machine.sessions.ended }
      : {}),
  };
}

// Said when it matters: the owner has secrets, or shared with them.
function secretsLine(result: Shared, before: string): string {
  if (!result.withSecrets && !(result.ownerSecrets && result.ownerSecrets > 0)) return "";
  return `${before}${guestSecretsSentence(result.withSecrets, result.sudo)}`;
}

export function shareText(result: Shared): string {
  const { instance, guest, access, machine, guestTold } = result;
  const told = guestToldSentence(guest, machine, guestTold);
  const grants = `\n${guestGrants(result.sudo, "they", result.login)}${secretsLine(result, "\n")}`;
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
      ...(secretsLine(result, "") ? [section(`:lock: ${secretsLine(result, "")}`)] : []),
    ],
  };
}

export const shareCommand = defineCommand({
  name: "share",
  summary:
    "let someone else log in to a running machine: as claude with sudo (root), or with --no-sudo an account of their own and the work folder",
  input: shareInput,
  audience: "owner-or-admin",
  run,
  text: (result) => shareText(result),
  json: sharedJson,
  blocks: (result) => shareBlocks(result),
  doors: {
    http: [
      {
        method: "POST",
        path: "/instances/:id/share",
        from: "body",
        status: 200,
        serialized: true,
        response: "shared",
        example: {
          body: { with: "U0BOB", sshKey: EXAMPLE_KEY, noSudo: true },
          response: {
            id: EXAMPLE_ID,
            guest: "U0BOB",
            access: [
              { who: "U012AB3CD", role: "owner" },
              { who: "U0BOB", role: "guest", sudo: false, login: "ccc-guest-1" },
            ],
            machine: "pushed",
            guestTold: "sent",
            sudo: false,
            login: "ccc-guest-1",
            grants: guestGrants(false, "they", "ccc-guest-1"),
            withSecrets: false,
            secrets: guestSecretsSentence(false, false),
          },
        },
      },
    ],
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
        {
          flags: "--with-secrets",
          description:
            "keep your secrets (ccc secret) on the machine while they have access (default: the secrets leave the machine)",
        },
      ],
      needs: { cloud: true, notifies: true },
      examples: [
        "ccc share ccc-7f3k2q --with bob",
        "ccc share ccc-7f3k2q --with bob --ssh-key bob.pub",
        "ccc share ccc-7f3k2q --with bob --no-sudo",
        "ccc share ccc-7f3k2q --with bob --with-secrets",
      ],
      // Commander reads --no-sudo as `sudo: false`.
      input: ({ args, options }) => ({
        id: args.id,
        with: options.with,
        sshKey: options.sshKey,
        noSudo: options.sudo === false,
        withSecrets: options.withSecrets === true,
      }),
    },
    slack: {
      usage: "share <id> <@person> [no-sudo] [with-secrets]",
      help: "let someone log in too, with the key they used last: as claude with sudo (root), or with `no-sudo` an account of their own and the work folder; `with-secrets` keeps your secrets on the machine while they have access, e.g. `/ccc share ccc-7f3k2q @bob no-sudo`",
      example: "share ccc-7f3k2q @bob no-sudo",
      serialized: true,
      input: ([id, guest, ...words]) => ({ id, with: guest, ...slackOptions(words) }),
    },
  },
});
