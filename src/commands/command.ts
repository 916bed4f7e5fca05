import type * as z from "zod";
import type { Config } from "../config.ts";
import { ForbiddenError } from "../core/errors.ts";
import type { Actor } from "../core/instances/actor.ts";
import type { ProgressEvent } from "../core/progress.ts";
import type { SlackMessage } from "../render/block-kit/mrkdwn.ts";
import type { PeopleNames } from "../render/people.ts";
import type { CommandContext } from "./context.ts";
import { parseInput } from "./input.ts";

// One verb, one file: its name, what it is for, its input schema (the one truth every door maps its
// raw input onto), who may run it, what it does, and how its result is shown in each door. The CLI
// and the Slack slash command are generated from the list in ./index.ts; an HTTP API door would
// loop over the same list, take the JSON body as the raw input, act as the Bearer token's person,
// and answer `json(result)`.

/** Who may run a verb: anyone; the owner of the instance it names (or an admin); only an admin. */
export type Audience = "anyone" | "owner" | "admin";

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
  hook?: "provision-modal" | "key-modal" | "token-dm" | "again";
  /** Maps the words after `/ccc <verb>` onto the raw input. */
  input(words: readonly string[]): unknown;
}

/** One step of a long-running verb's work (the type lives in core: the build pipeline emits it). */
export type { ProgressEvent } from "../core/progress.ts";

/**
 * What a long-running verb's `start` returns: the answer a door gives at once (within Slack's 3 s),
 * and the work still to do, as a typed stream of progress events that ends with the verb's result
 * (or throws the verb's refusal or failure).
 */
export interface Started<A, R> {
  accepted: A;
  work: AsyncIterable<ProgressEvent, R>;
}

export interface CommandSpec<S extends z.ZodType, R> {
  name: string;
  aliases?: readonly string[];
  /** One line: what the verb does. */
  summary: string;
  input: S;
  audience: Audience;
  run(ctx: CommandContext, input: z.output<S>): R | Promise<R>;
  text(result: R, viewer: Viewer): string;
  json(result: R, viewer?: Viewer): unknown;
  /** Block Kit, for verbs with a Slack door. */
  blocks?(result: R, viewer: Viewer): SlackMessage;
  /** True when the work partly failed (a delete, a reminder): the CLI exits 1. */
  failed?(result: R): boolean;
  doors: { cli?: CliDoor; slack?: SlackDoor };
}

/** A verb's result, ready for any door. */
export interface Shown {
  text(viewer: Viewer): string;
  json(viewer?: Viewer): unknown;
  blocks(viewer: Viewer): SlackMessage;
  failed: boolean;
}

/** A verb with its types put away, so the doors can loop over a list of them. */
export interface Command {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly audience: Audience;
  readonly input: z.ZodType;
  readonly doors: { cli?: CliDoor; slack?: SlackDoor };
  /** Checks the raw input against the schema and the audience, runs the verb, and returns what to show. */
  execute(ctx: CommandContext, raw: unknown): Promise<Shown>;
}

export function defineCommand<S extends z.ZodType, R>(spec: CommandSpec<S, R>): Command {
  return {
    name: spec.name,
    aliases: spec.aliases ?? [],
    summary: spec.summary,
    audience: spec.audience,
    input: spec.input,
    doors: spec.doors,
    async execute(ctx, raw) {
      if (spec.audience === "admin" && !ctx.actor.isAdmin) {
        throw new ForbiddenError(`Only admins can run ${spec.name}.`);
      }
      const result = await spec.run(ctx, parseInput(spec.input, raw));
      return {
        text: (viewer) => spec.text(result, viewer),
        json: (viewer) => spec.json(result, viewer),
        blocks: (viewer) => {
          if (!spec.blocks) throw new Error(`${spec.name} has no Block Kit renderer`);
          return spec.blocks(result, viewer);
        },
        failed: spec.failed?.(result) ?? false,
      };
    },
  };
}
