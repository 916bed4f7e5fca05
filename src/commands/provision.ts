import * as z from "zod";
import { rememberRequest } from "../core/again/last-request.ts";
import { checkIdleChoice, hibernationOf, parseIdleMinutes } from "../core/hibernate/idle-policy.ts";
import type { Instance } from "../core/instances/instance.ts";
import { parseEmail, parseOwner } from "../core/instances/owner.ts";
import { tellOwner } from "../core/instances/tell-owner.ts";
import { poolOutcomeOf } from "../core/pool/pool-outcome.ts";
import { failureOf } from "../core/provision/provision-failure.ts";
import { type ProvisionProgress, runProvision } from "../core/provision/run-provision.ts";
import { startProvision } from "../core/provision/start-provision.ts";
import { parseSshPublicKey } from "../core/ssh-key/ssh-key.ts";
import { userFacingFailure } from "../core/user-facing-failure.ts";
import { parseVolumeGb } from "../core/volumes/volume-policy.ts";
import { volumeOffer } from "../core/volumes/volume-price.ts";
import { volumePolicy } from "../core/volumes/work-volume.ts";
import { planWorkspace } from "../core/workspace/plan-workspace.ts";
import { workspaceOf } from "../core/workspace/prepare-workspace.ts";
import { rememberRepo } from "../core/workspace/remember-repo.ts";
import { readyMessage } from "../render/block-kit/instance-blocks.ts";
import { instanceJson } from "../render/json.ts";
import { poolProgressNote, readyPhrase } from "../render/pool-phrase.ts";
import { instanceDetails, knownHostsFor, STEP_TEXT, sshCommand, stepLine } from "../render/text.ts";
import { workspaceJson, workspaceLines } from "../render/workspace.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked, hours, optionalText, packageList, parseInput } from "./input.ts";

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
  packages: packageList,
  /** The person's work volume goes with the machine; a size implies it. */
  keepWork: z.union([z.boolean(), z.literal("true"), z.literal("false")]).optional(),
  volumeGb: z.union([z.string(), z.number()]).optional(),
  /** The repository to start from (owner/name[@branch] or a clone URL), cloned into ~/work/<name>. */
  repo: optionalText,
  /** All history instead of a shallow clone. */
  fullClone: z.union([z.boolean(), z.literal("true"), z.literal("false")]).optional(),
  /** This machine's idle limit before it hibernates: minutes, or `never` (within CCC_IDLE_MAX_MINUTES). */
  idle: checked(z.union([z.string(), z.number()]), parseIdleMinutes).optional(),
});
export type ProvisionInput = z.input<typeof provisionInput>;

async function accept(ctx: CommandContext, input: z.output<typeof provisionInput>): Promise<Instance> {
  const { sshKey, keepWork, volumeGb, repo, fullClone, idle, ...request } = input;
  if (idle !== undefined) checkIdleChoice(hibernationOf(ctx.deps), idle);
  const wantsVolume = keepWork === true || keepWork === "true" || volumeGb !== undefined;
  const policy = volumePolicy(ctx.deps);
  // The size is checked before anything else is asked or recorded.
  const sizeGb = volumeGb === undefined ? policy.defaultGb : parseVolumeGb(volumeGb, policy);
  // The repository too (its form, and that the owner's token can read it): nothing is spent on a refusal.
  const workspace = await planWorkspace(ctx.deps, request.owner, request.ownerEmail, {
    repo,
    fullClone: fullClone === true || fullClone === "true",
  });
  const recorded = await startProvision(ctx.deps, ctx.actor, {
    ...request,
    key: sshKey,
    ...(wantsVolume ? { keepWork: { sizeGb } } : {}),
  });
  if (workspace) ctx.deps.store.workspaces.put(recorded.id, workspace, ctx.deps.clock.now());
  if (idle !== undefined) ctx.deps.store.hibernation.setIdleMinutes(recorded.id, idle, ctx.deps.clock.now());
  return recorded;
}

async function run(ctx: CommandContext, input: z.output<typeof provisionInput>): Promise<Instance> {
  const recorded = await accept(ctx, input);
  const volume = ctx.deps.store.workVolumes.forInstance(recorded.id);
  if (volume) {
    const offer = await volumeOffer(ctx.deps, recorded.owner, recorded.location, volume.sizeGb);
    ctx.report?.(`Work volume: ${offer.line}.`);
  }
  const ready = await completeProvision(ctx, recorded, (progress) => ctx.report?.(progressText(progress)));
  if (volume) ctx.report?.(mountText(ctx, ready.id));
  return ready;
}

/** Validates and records the request (nothing spent yet); throws UserError/QuotaError on refusal. */
export async function acceptProvision(ctx: CommandContext, input: ProvisionInput): Promise<Instance> {
  return accept(ctx, parseInput(provisionInput, input));
}

/** Builds the recorded instance; on failure the server is gone and a ProvisionError says why. */
export async function completeProvision(
  ctx: CommandContext,
  recorded: Instance,
  onProgress?: (progress: ProvisionProgress) => void,
): Promise<Instance> {
  let ready: Instance;
  try {
    ready = await runProvision(ctx.deps, recorded, onProgress);
  } catch (error) {
    // Someone else's request for this person: the owner hears of the failure too, in plain words.
    const failure = failureOf(error, recorded.id, userFacingFailure(error));
    if (!failure.deletedMeanwhile) {
      const now = ctx.deps.store.get(recorded.id) ?? recorded;
      await tellOwner(ctx.deps, ctx.actor, now, { did: "build_failed", failure });
    }
    throw error;
  }
  // The pipeline prepared the workspace already (its progress came as `preparing_workspace` events).
  rememberRequest(ctx.deps, ready);
  rememberRepo(ctx.deps, ready);
  await tellOwner(ctx.deps, ctx.actor, ready, { did: "provisioned" });
  return ready;
}

/** Both steps, as the CLI runs them. */
export async function provision(
  ctx: CommandContext,
  input: ProvisionInput,
  onProgress?: (progress: ProvisionProgress) => void,
): Promise<Instance> {
  return completeProvision(ctx, await acceptProvision(ctx, input), onProgress);
}

/** Whether the machine mounted its work volume, from what the provision recorded. */
function mountText(ctx: CommandContext, id: string): string {
  const last = ctx.deps.store
    .events(id)
    .filter((e) => ["volume_mounted", "volume_mount_failed", "volume_failed"].includes(e.kind))
    .at(-1);
  if (last?.kind === "volume_mounted")
    return `Work volume: mounted at /home/claude/work (${last.detail ?? ""}).`;
  // A pool machine's attach at claim failed: the machine is handed over without it.
  if (last?.kind === "volume_failed") {
    return `Work volume: not attached (${last.detail ?? "no answer"}); it is kept, and the next machine gets it.`;
  }
  return `Work volume: attached, but the machine could not mount it (${last?.detail ?? "no answer"}); it is kept, and the next machine gets it.`;
}

export function progressText(progress: ProvisionProgress): string {
  const { id } = progress.instance;
  if (progress.detail) return stepLine(id, progress.elapsedMs, progress.detail);
  const where = progress.instance.ipv4 ? ` (${progress.instance.ipv4})` : "";
  const pool = poolProgressNote(progress.instance);
  return stepLine(id, progress.elapsedMs, `${STEP_TEXT[progress.step]}${where}${pool}`);
}

export function provisionText(instance: Instance, now: Date, sshPort?: number): string {
  const ready = readyPhrase(instance) ? `Ready${readyPhrase(instance)}.\n` : "";
  const workspace = workspaceLines(workspaceOf(instance)).join("\n");
  const ssh = sshCommand(instance, sshPort) ?? `ssh claude@${instance.ipv4}`;
  const connect = `${ready}${instanceDetails(instance, now, undefined, sshPort)}\n\nConnect with: ${ssh}${workspace ? `\n${workspace}` : ""}`;
  const knownHosts = knownHostsFor(instance, sshPort);
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
  text: (instance, { now, sshPort }) => provisionText(instance, now, sshPort),
  json: (instance, viewer) => ({
    ...instanceJson(instance, viewer),
    fromPool: poolOutcomeOf(instance) === "hit",
    ...(workspaceOf(instance) ? { workspace: workspaceJson(workspaceOf(instance)) } : {}),
  }),
  blocks: (instance, { now, sshPort }) => readyMessage(instance, now, sshPort),
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
        {
          flags: "--packages <names>",
          description: "extra nixpkgs packages, comma-separated (e.g. python3,go; see CCC_PACKAGES)",
        },
        {
          flags: "--keep-work",
          description: "attach your work volume in that location at /home/claude/work (made on first use)",
        },
        {
          flags: "--idle <minutes>",
          description:
            "idle minutes before this machine hibernates, or never (default: yours, else CCC_IDLE_HIBERNATE_MINUTES)",
        },
        {
          flags: "--volume-gb <n>",
          description: "size of a new work volume in GB (default CCC_VOLUME_GB, at most CCC_VOLUME_MAX_GB)",
        },
        {
          flags: "--repo <repo>",
          description:
            "start from a repository: owner/name[@branch] (GitHub) or a clone URL; cloned into ~/work/<name>",
        },
        { flags: "--full-clone", description: "with --repo: clone all history (default: shallow)" },
      ],
      needs: { cloud: true, installer: true, notifies: true },
      examples: [
        "ccc provision --user alice --ssh-key ~/.ssh/id_ed25519.pub --hours 8",
        "cat key.pub | ccc provision --ssh-key - --type cax11 --location hel1 --json",
        "ccc provision --ssh-key ~/.ssh/id_ed25519.pub --packages python3,go,postgresql",
        "ccc provision --ssh-key ~/.ssh/id_ed25519.pub --keep-work --volume-gb 20",
        "ccc provision --ssh-key ~/.ssh/id_ed25519.pub --repo octocat/hello-world@main",
        "ccc provision --ssh-key ~/.ssh/id_ed25519.pub --idle 60",
      ],
      input: ({ options, config }) => ({
        owner: options.user ?? config.operator.name,
        ownerEmail: options.email,
        sshKey: options.sshKey,
        hours: options.hours,
        serverType: options.type,
        location: options.location,
        packages: options.packages,
        keepWork: options.keepWork,
        volumeGb: options.volumeGb,
        repo: options.repo,
        fullClone: options.fullClone,
        idle: options.idle,
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
