import type * as z from "zod";
import type { Config } from "../config.ts";
import { type Actor, onlyAdminsMay, requireOwnerOrAdmin } from "../core/instances/actor.ts";
import type { SlackMessage } from "../render/block-kit/mrkdwn.ts";
import type { PeopleNames } from "../render/people.ts";
import type { CommandContext } from "./context.ts";
import type { HttpRoute } from "./http-route.ts";
import { parseInput } from "./input.ts";
import { drain, type ProgressEvent, type Started } from "./progress.ts";

// One verb, one file: its name, what it is for, its input schema (the one truth every door maps its
// raw input onto), who may run it, what it does, and how its result is shown in each door. The CLI
// and the Slack slash command are generated from the list in ./index.ts; an HTTP API door would
// loop over the same list, take the JSON body as the raw input, act as the Bearer token's person,
// and answer `json(result)`.

/**
 * Who may run a verb, declared once and checked by the registry (`execute`) for every door:
 * - `self`: anyone, for themselves (acting for someone else is `onlyAdminsMay`'s rule, in the verb);
 * - `admin`: only an admin;
 * - `owner-or-admin`: the owner of the machine the input names (`id`), or an admin.
 */
export type Audience = "self" | "admin" | "owner-or-admin";

/** What a renderer may look at besides the result. */
export interface Viewer {
  now: Date;
  actor: Actor;
  /** The port people's `ssh` uses (CCC_SSH_PORT), for ssh and known_hosts lines; 22 when unset. */
  sshPort?: number;
  /** People's Slack display names, as the door looked them up; anyone missing is shown by their id. */
  names?: PeopleNames;
}

export interface CliOption {
  /** Commander's syntax, e.g. `--hours <n>`. */
  flags: string;
  description: string;
  required?: boolean;
  /** The value names a file, `-` for standard input, or is the text itself (an SSH key). */
  fileOrText?: boolean;
}

/** What one `ccc <verb>` invocation hands its verb, before the schema has looked at it. */
export interface CliRaw {
  /** Positional arguments by name (`<id>` → `id`). */
  args: Record<string, string | undefined>;
  /** Options by commander's key (`--ssh-key` → `sshKey`), files already read. */
  options: Record<string, unknown>;
  config: Config;
}

/** What a CLI verb needs set up; see `CliDoor.needs`. */
export interface CliNeeds {
  hetzner?: boolean;
  cloud?: boolean;
  installer?: boolean;
  notifies?: boolean;
  directory?: boolean;
}

export interface CliDoor {
  /** Positional arguments in commander's syntax: `<id>`, `[location]`. */
  args?: readonly string[];
  options?: readonly CliOption[];
  /**
   * What must be set up before the verb runs: `hetzner`, only the API settings (reading the catalog);
   * `cloud`, those and the operator's key (anything that creates, deletes or reaches machines); the
   * installer; a notifier. By the positional arguments when the verb's actions differ (`key` shows
   * a key from the store alone, `key set` may let the person into machines).
   */
  needs: CliNeeds | ((args: CliRaw["args"]) => CliNeeds);
  /**
   * A secret the verb takes on standard input or, at a terminal, at a prompt without echo (never from
   * the command line, where `ps` and the shell's history would keep it): the option key it fills.
   */
  secretFrom?: (args: CliRaw["args"]) => { key: string; prompt: string } | null;
  examples: readonly string[];
  /** Maps commander's values and the operator's settings onto the raw input. */
  input(raw: CliRaw): unknown;
}

export interface SlackDoor {
  /** After `/ccc`, with `<required>` and `[optional]` words: `extend <id> <hours>`. */
  usage: string;
  /** The line in `/ccc help`. */
  help: string;
  example?: string;
  /** Answered in the ack itself: only for verbs that read the store and call nothing outside. */
  inAck?: boolean;
  /** Runs after earlier actions on the instance named by the first word (double clicks, quick retries). */
  serialized?: boolean;
  /**
   * The Slack door does something of its own instead of running the verb at once (provision opens
   * the form); the verb's schema and rules still apply when the form comes back.
   */
  hook?: "provision-modal" | "key-modal" | "token-dm" | "again" | "task-thread";
  /** Maps the words after `/ccc <verb>` onto the raw input; `where`: the channel it was typed in. */
  input(words: readonly string[], where?: { channelId?: string }): unknown;
}

export { ACCEPTED_STEP, type ProgressEvent, type Started } from "./progress.ts";

/**
 * How a long-running verb's answer and progress are shown. The answer (`A`) is what `start` checked
 * and recorded; the result (`R`) is what the work ends with, shown by the verb's usual renderers.
 */
export interface LongRunning<A> {
  /** What the work is about (an instance or snapshot id), for logs and the names of background work. */
  subject(accepted: A): string;
  /** The answer at once, as a line (null: nothing to say before the first step), JSON (the API's 202 body) and Block Kit. */
  text(accepted: A, viewer: Viewer): string | null;
  json(accepted: A, viewer?: Viewer): unknown;
  blocks(accepted: A, viewer: Viewer): SlackMessage;
  /** One step as a progress line, with its elapsed time. */
  progressText(event: ProgressEvent, accepted: A): string;
  /** The message that follows the work (a DM edited in place) at this step; null leaves it as it is. */
  progressBlocks(event: ProgressEvent, accepted: A, viewer: Viewer): SlackMessage | null;
  /** The work tells the person itself (a notice when it ends), so a door that follows it sends no message of its own. */
  toldBySelf?: boolean;
  /**
   * The work failed after the answer was given, with no terminal waiting for it: tells whoever must
   * know (the admins, with the detail) and returns what the person is shown instead of the result.
   */
  failure(ctx: CommandContext, accepted: A, error: unknown): SlackMessage;
}

export interface CommandSpec<S extends z.ZodType, R, A = never> {
  name: string;
  aliases?: readonly string[];
  /** One line: what the verb does. */
  summary: string;
  input: S;
  /** `owner-or-admin` only for an input that names a machine by `id`. */
  audience: z.output<S> extends { id?: string | undefined } ? Audience : Exclude<Audience, "owner-or-admin">;
  /** How an `owner-or-admin` refusal says the verb ("… so you cannot delete it"); its name when left out. */
  refusedAs?: string;
  /** The whole verb; a long-running one may leave it out: its `start` and the work, read to the end. */
  run?(ctx: CommandContext, input: z.output<S>): R | Promise<R>;
  /**
   * A verb that runs for minutes: checks and records (refusals are thrown here, before anything is
   * spent), and returns the answer to give at once with the work still to do.
   */
  start?(ctx: CommandContext, input: z.output<S>): Promise<Started<A, R>>;
  /** How `start`'s answer and the work's steps are shown; required with `start`. */
  accepted?: LongRunning<A>;
  text(result: R, viewer: Viewer): string;
  json(result: R, viewer?: Viewer): unknown;
  /** Block Kit, for verbs with a Slack door. */
  blocks?(result: R, viewer: Viewer): SlackMessage;
  /** True when the work partly failed (a delete, a reminder): the CLI exits 1. */
  failed?(result: R): boolean;
  doors: { cli?: CliDoor; slack?: SlackDoor; http?: readonly HttpRoute[] };
}

/** A verb's result, ready for any door. */
export interface Shown {
  text(viewer: Viewer): string;
  json(viewer?: Viewer): unknown;
  blocks(viewer: Viewer): SlackMessage;
  failed: boolean;
}

/** A long-running verb's answer, ready for any door. */
export interface ShownAccepted {
  readonly subject: string;
  readonly toldBySelf: boolean;
  text(viewer: Viewer): string | null;
  json(viewer?: Viewer): unknown;
  blocks(viewer: Viewer): SlackMessage;
  progressText(event: ProgressEvent): string;
  progressBlocks(event: ProgressEvent, viewer: Viewer): SlackMessage | null;
  /** See `LongRunning.failure`. */
  failure(error: unknown): SlackMessage;
}

/** A verb with its types put away, so the doors can loop over a list of them. */
export interface Command {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly audience: Audience;
  readonly input: z.ZodType;
  readonly doors: { cli?: CliDoor; slack?: SlackDoor; http?: readonly HttpRoute[] };
  /** True when the verb has a `start`: a door may answer at once and follow the work. */
  readonly longRunning: boolean;
  /**
   * Checks the raw input against the schema and the audience, runs the verb, and returns what to show.
   * A long-running verb runs whole: its answer and each step go to `ctx.report`.
   */
  execute(ctx: CommandContext, raw: unknown): Promise<Shown>;
  /** A long-running verb's `start`, checked the same way; throws for any other verb. */
  start(ctx: CommandContext, raw: unknown): Promise<Started<ShownAccepted, Shown>>;
}

function shown<R>(spec: CommandSpec<z.ZodType, R, unknown>, result: R): Shown {
  return {
    text: (viewer) => spec.text(result, viewer),
    json: (viewer) => spec.json(result, viewer),
    blocks: (viewer) => {
      if (!spec.blocks) throw new Error(`${spec.name} has no Block Kit renderer`);
      return spec.blocks(result, viewer);
    },
    failed: spec.failed?.(result) ?? false,
  };
}

export function defineCommand<S extends z.ZodType, R, A = never>(spec: CommandSpec<S, R, A>): Command {
  const { start: begin, accepted: how, run } = spec;
  if (!run && !begin) throw new Error(`${spec.name} has neither run nor start`);
  if (begin && !how) throw new Error(`${spec.name} has a start but no renderers for its answer`);
  const checked = (ctx: CommandContext, raw: unknown): z.output<S> => admitted(spec, ctx, raw);
  const start = async (ctx: CommandContext, raw: unknown): Promise<Started<ShownAccepted, Shown>> => {
    if (!begin || !how) throw new Error(`${spec.name} is not a long-running verb`);
    const { accepted, work } = await begin(ctx, checked(ctx, raw));
    const generic = spec as CommandSpec<z.ZodType, R, unknown>;
    return {
      accepted: {
        subject: how.subject(accepted),
        toldBySelf: how.toldBySelf ?? false,
        text: (viewer) => how.text(accepted, viewer),
        json: (viewer) => how.json(accepted, viewer),
        blocks: (viewer) => how.blocks(accepted, viewer),
        progressText: (event) => how.progressText(event, accepted),
        progressBlocks: (event, viewer) => how.progressBlocks(event, accepted, viewer),
        failure: (error) => how.failure(ctx, accepted, error),
      },
      work: {
        async *[Symbol.asyncIterator]() {
          return shown(generic, yield* work);
        },
      },
    };
  };
  return {
    name: spec.name,
    aliases: spec.aliases ?? [],
    summary: spec.summary,
    audience: spec.audience,
    input: spec.input,
    doors: spec.doors,
    longRunning: begin !== undefined,
    start,
    async execute(ctx, raw) {
      if (run) return shown(spec as CommandSpec<z.ZodType, R, unknown>, await run(ctx, checked(ctx, raw)));
      const { accepted, work } = await start(ctx, raw);
      const first = accepted.text({ now: ctx.deps.clock.now(), actor: ctx.actor });
      if (first) ctx.report?.(first);
      return drain(work, (event) => ctx.report?.(accepted.progressText(event)));
    },
  };
}

/**
 * The verb's input, once the actor is let in: an `admin` verb refuses anyone else before the input is
 * read; an `owner-or-admin` verb refuses a machine (named by `id`) that is not the actor's. An id ccc
 * does not know is left to the verb, which says so in its own words. Every way into a verb (`execute`,
 * and a long-running verb's `start`) goes through here.
 */
export function admitted<S extends z.ZodType, R, A>(
  spec: CommandSpec<S, R, A>,
  ctx: CommandContext,
  raw: unknown,
): z.output<S> {
  if (spec.audience === "admin") onlyAdminsMay(ctx.actor, `run ${spec.name}`);
  const input = parseInput(spec.input, raw);
  if (spec.audience === "owner-or-admin") {
    const id = (input as { id?: unknown }).id;
    const machine = typeof id === "string" ? ctx.deps.store.get(id) : null;
    if (machine) requireOwnerOrAdmin(ctx.deps.store, ctx.actor, machine, spec.refusedAs ?? spec.name);
  }
  return input;
}
