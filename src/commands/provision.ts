import * as z from "zod";
import { checkIdleChoice, hibernationOf, parseIdleMinutes } from "../core/hibernate/idle-policy.ts";
import type { Instance } from "../core/instances/instance.ts";
import { parseEmail, parseOwner } from "../core/instances/owner.ts";
import { tellOwner } from "../core/instances/tell-owner.ts";
import { poolOutcomeOf } from "../core/pool/pool-outcome.ts";
import { alertProvisionFailure } from "../core/provision/failure-alert.ts";
import { rememberRequest } from "../core/provision/last-request.ts";
import type { ProvisionStep } from "../core/provision/provision-failure.ts";
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
import {
  creatingMessage,
  currentMessage,
  failedMessage,
  readyMessage,
} from "../render/block-kit/instance-blocks.ts";
import { instanceJson } from "../render/json.ts";
import { poolProgressNote, readyPhrase } from "../render/pool-phrase.ts";
import { EXAMPLE_KEY, EXAMPLES } from "../render/schemas/examples.ts";
import { instanceDetails, knownHostsFor, STEP_TEXT, sshCommand, stepLine } from "../render/text.ts";
import { workspaceJson, workspaceLines } from "../render/workspace.ts";
import {
  ACCEPTED_STEP,
  defineCommand,
  type LongRunning,
  type ProgressEvent,
  type Started,
} from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked, hours, optionalText, packageList, parseInput } from "./input.ts";
import { drain, type Emit, progressStream } from "./progress.ts";

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

/** Checks and records the request (nothing spent yet), and hands back the build still to do. */
async function start(
  ctx: CommandContext,
  input: z.output<typeof provisionInput>,
): Promise<Started<Instance, Instance>> {
  const recorded = await accept(ctx, input);
  return { accepted: recorded, work: progressStream(ctx.deps.clock, (emit) => build(ctx, recorded, emit)) };
}

/** The build of a recorded request, with the work volume's offer before it and its mount after. */
async function build(ctx: CommandContext, recorded: Instance, emit: Emit): Promise<Instance> {
  const volume = ctx.deps.store.workVolumes.forInstance(recorded.id);
  if (volume) {
    const offer = await volumeOffer(ctx.deps, recorded.owner, recorded.location, volume.sizeGb);
    emit({ step: VOLUME_STEP, detail: `Work volume: ${offer.line}.` });
  }
  const ready = await buildProvision(ctx, recorded, emit);
  if (volume) emit({ step: VOLUME_STEP, detail: mountText(ctx, ready.id) });
  return ready;
}

/** A line about the work volume, shown as it is (not a build step). */
const VOLUME_STEP = "work_volume";

/** Validates and records the request (nothing spent yet); throws UserError/QuotaError on refusal. */
export async function acceptProvision(ctx: CommandContext, input: ProvisionInput): Promise<Instance> {
  return accept(ctx, parseInput(provisionInput, input));
}

/**
 * Builds the recorded instance, each step an event; on failure the server is gone, the owner is
 * told when someone else asked, and a ProvisionError says why.
 */
export async function buildProvision(ctx: CommandContext, recorded: Instance, emit: Emit): Promise<Instance> {
  const step = (progress: ProvisionProgress) =>
    emit({
      step: progress.step,
      instance: progress.instance,
      ...(progress.detail ? { detail: progress.detail } : {}),
    });
  let ready: Instance;
  try {
    ready = await runProvision(ctx.deps, recorded, step);
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

/** Both steps, read to the end, as a script or a test runs them. */
export async function provision(
  ctx: CommandContext,
  input: ProvisionInput,
  onEvent?: (event: ProgressEvent) => void,
): Promise<Instance> {
  const recorded = await acceptProvision(ctx, input);
  return drain(
    progressStream(ctx.deps.clock, (emit) => buildProvision(ctx, recorded, emit)),
    onEvent,
  );
}

/**
 * How a machine's build is shown in every door: the answer is the recorded machine, each step a
 * progress line or the "being created" DM edited in place, a failure the admins' alert and the
 * owner's plain words. Again uses it too.
 */
export function buildShown<A>(
  recordedOf: (accepted: A) => Instance,
): Omit<LongRunning<A>, "text" | "blocks"> {
  return {
    subject: (accepted) => recordedOf(accepted).id,
    json: (accepted, viewer) => instanceJson(recordedOf(accepted), viewer),
    progressText: (event, accepted) => progressText(event, recordedOf(accepted)),
    progressBlocks: (event, accepted) => {
      const instance = event.instance ?? recordedOf(accepted);
      if (event.step === ACCEPTED_STEP) return creatingMessage(instance, null);
      if (!isBuildStep(event.step) || event.step === "ready") return null;
      return creatingMessage(instance, event.step, event.detail);
    },
    failure: (ctx, accepted, error) => {
      const recorded = recordedOf(accepted);
      const failure = alertProvisionFailure(ctx.deps, recorded, error);
      const current = ctx.deps.store.get(recorded.id);
      // Deleted by its owner (or an admin) while being built: show what is true now, not a failure.
      if (failure.deletedMeanwhile && current) return currentMessage(current, ctx.deps.clock.now());
      return failedMessage(failure);
    },
  };
}

function isBuildStep(step: string): step is ProvisionStep {
  return step in STEP_TEXT;
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

/** One build step as a progress line; the work volume's lines as they are. */
export function progressText(event: ProgressEvent, recorded?: Instance): string {
  if (event.step === VOLUME_STEP) return event.detail ?? "";
  const instance = event.instance ?? recorded;
  if (!instance) return event.detail ?? event.step;
  if (event.detail) return stepLine(instance.id, event.elapsedMs, event.detail);
  if (!isBuildStep(event.step)) return stepLine(instance.id, event.elapsedMs, event.step);
  const where = instance.ipv4 ? ` (${instance.ipv4})` : "";
  const pool = poolProgressNote(instance);
  return stepLine(instance.id, event.elapsedMs, `${STEP_TEXT[event.step]}${where}${pool}`);
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
  audience: "self",
  start,
  accepted: {
    ...buildShown((recorded: Instance) => recorded),
    // Nothing to say before the first step; Slack's form closes, and the DM follows the build.
    text: () => null,
    blocks: (recorded) => creatingMessage(recorded, null),
  },
  text: (instance, { now, sshPort }) => provisionText(instance, now, sshPort),
  json: (instance, viewer) => ({
    ...instanceJson(instance, viewer),
    fromPool: poolOutcomeOf(instance) === "hit",
    ...(workspaceOf(instance) ? { workspace: workspaceJson(workspaceOf(instance)) } : {}),
  }),
  blocks: (instance, { now, sshPort }) => readyMessage(instance, now, sshPort),
  doors: {
    http: [
      {
        method: "POST",
        path: "/instances",
        from: "body",
        fixed: (actor) => ({ owner: actor.id, ownerEmail: undefined }),
        status: 202,
        response: "instance",
        example: {
          body: {
            sshKey: EXAMPLE_KEY,
            hours: 4,
            serverType: "cx23",
            location: "fsn1",
            packages: ["python3", "go"],
            keepWork: true,
            volumeGb: 20,
          },
          response: EXAMPLES.creating,
        },
      },
    ],
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
