import * as z from "zod";
import type { Instance } from "../core/instances/instance.ts";
import { parseEmail, parseOwner } from "../core/instances/owner.ts";
import { poolOutcomeOf } from "../core/pool/pool-outcome.ts";
import { type ProvisionProgress, runProvision } from "../core/provision/run-provision.ts";
import { startProvision } from "../core/provision/start-provision.ts";
import { parseSshPublicKey } from "../core/ssh-key/ssh-key.ts";
import { readyMessage } from "../render/block-kit/instance-blocks.ts";
import { instanceJson } from "../render/json.ts";
import { poolProgressNote, readyPhrase } from "../render/pool-phrase.ts";
import { instanceDetails, knownHostsFor, STEP_TEXT } from "../render/text.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked, hours, optionalText, parseInput } from "./input.ts";

/** What a provision needs; the key is parsed here, so a bad one is refused before anything else is asked. */
export const provisionInput = z.object({
  owner: checked(z.string(), parseOwner),
  ownerEmail: checked(z.string(), parseEmail)
    .optional()
    .transform((v) => v ?? null),
  sshKey: checked(z.string(), parseSshPublicKey),
  hours: hours.optional(),
  serverType: optionalText,
  location: optionalText,
});
export type ProvisionInput = z.input<typeof provisionInput>;

function accept(ctx: CommandContext, input: z.output<typeof provisionInput>): Promise<Instance> {
  const { sshKey, ...request } = input;
  return startProvision(ctx.deps, ctx.actor, { ...request, key: sshKey });
}

async function run(ctx: CommandContext, input: z.output<typeof provisionInput>): Promise<Instance> {
  const recorded = await accept(ctx, input);
  return completeProvision(ctx, recorded, (progress) => ctx.report?.(progressText(progress)));
}

/** Validates and records the request (nothing spent yet); throws UserError/QuotaError on refusal. */
export async function acceptProvision(ctx: CommandContext, input: ProvisionInput): Promise<Instance> {
  return accept(ctx, parseInput(provisionInput, input));
}

/** Builds the recorded instance; on failure the server is gone and a ProvisionError says why. */
export function completeProvision(
  ctx: CommandContext,
  recorded: Instance,
  onProgress?: (progress: ProvisionProgress) => void,
): Promise<Instance> {
  return runProvision(ctx.deps, recorded, onProgress);
}

/** Both steps, as the CLI runs them. */
export async function provision(
  ctx: CommandContext,
  input: ProvisionInput,
  onProgress?: (progress: ProvisionProgress) => void,
): Promise<Instance> {
  return completeProvision(ctx, await acceptProvision(ctx, input), onProgress);
}

export function progressText(progress: ProvisionProgress): string {
  const seconds = (progress.elapsedMs / 1000).toFixed(1).padStart(6);
  const where = progress.instance.ipv4 ? ` (${progress.instance.ipv4})` : "";
  const pool = poolProgressNote(progress.instance);
  return `[${seconds}s] ${progress.instance.id}: ${STEP_TEXT[progress.step]}${where}${pool}`;
}

export function provisionText(instance: Instance, now: Date): string {
  const ready = readyPhrase(instance) ? `Ready${readyPhrase(instance)}.\n` : "";
  const connect = `${ready}${instanceDetails(instance, now)}\n\nConnect with: ssh claude@${instance.ipv4}`;
  const knownHosts = knownHostsFor(instance);
  if (!knownHosts) return connect;
  return `${connect}\nTo skip ssh's "authenticity of host" question, add this line to ~/.ssh/known_hosts:\n  ${knownHosts}`;
}

export const provisionCommand = defineCommand({
  name: "provision",
  aliases: ["new", "create"],
  summary: "create a machine, install NixOS with Claude Code on it, and print how to connect",
  input: provisionInput,
  audience: "anyone",
  run,
  text: (instance, { now }) => provisionText(instance, now),
  json: (instance) => ({ ...instanceJson(instance), fromPool: poolOutcomeOf(instance) === "hit" }),
  blocks: (instance, { now }) => readyMessage(instance, now),
  doors: {
    cli: {
      options: [
        {
          flags: "--ssh-key <file|-|key>",
          description: "the user's SSH public key: a file, - for standard input, or the key itself",
          required: true,
          fileOrText: true,
        },
        {
          flags: "--user <name>",
          description: "who the machine is for (a Slack user id or a name; default: you)",
        },
        { flags: "--email <address>", description: "the user's email, for the record" },
        { flags: "--hours <n>", description: "lifetime in hours (default CCC_DEFAULT_HOURS)" },
        {
          flags: "--type <name>",
          description: "server type (see `ccc types`; default CCC_DEFAULT_SERVER_TYPE)",
        },
        { flags: "--location <name>", description: "location (default CCC_DEFAULT_LOCATION)" },
      ],
      needs: { cloud: true, installer: true },
      examples: [
        "ccc provision --user alice --ssh-key ~/.ssh/id_ed25519.pub --hours 8",
        "cat key.pub | ccc provision --ssh-key - --type cax11 --location hel1 --json",
      ],
      input: ({ options, config }) => ({
        owner: options.user ?? config.operator.name,
        ownerEmail: options.email,
        sshKey: options.sshKey,
        hours: options.hours,
        serverType: options.type,
        location: options.location,
      }),
    },
    slack: {
      usage: "provision",
      help: "a new machine: paste your SSH public key, pick type, region and hours",
      hook: "provision-modal",
      input: () => ({}),
    },
  },
});
