import { minimalChildEnv } from "../adapters/child-env.ts";
import { systemClock } from "../adapters/system-clock.ts";
import type { Command } from "../commands/index.ts";
import { parseInput } from "../commands/input.ts";
import { ConfigError } from "../config.ts";
import { checkConfig } from "../preflight.ts";
import { ownersIn, withOwnerNames } from "../render/people.ts";
import { checkTimeZone, showTimesIn } from "../render/time.ts";
import { cliDirectory } from "./cli-directory.ts";
import { cliNotifier } from "./cli-notifier.ts";
import { cliNames, resolveCliNames } from "./cli-people.ts";
import { type CliIo, EXIT } from "./io.ts";
import { readFileOrText } from "./key-argument.ts";

/** What one `ccc` invocation keeps between parsing and reporting. */
export interface CliState {
  /** True once the running command was given `--json`. */
  json: boolean;
  exitCode: number;
}

export interface VerbCall {
  io: CliIo;
  state: CliState;
  args: Record<string, string | undefined>;
  options: Record<string, unknown>;
  /** Options that name a file, `-` or the text itself, by commander's key and flag. */
  files: { key: string; flag: string }[];
  /** `--utc`: times in UTC whatever TZ says. */
  utc?: boolean;
}

/**
 * Runs one verb for the terminal: reads the settings, maps commander's values onto the verb's input
 * and checks it, then refuses settings its door needs but lacks, composes core (loaded only now, so
 * `--help` never opens a database or loads a client), runs as the operator (an admin), and prints
 * text or JSON.
 */
export async function runVerb(verb: Command, call: VerbCall): Promise<void> {
  const { io, state } = call;
  const cli = verb.doors.cli;
  if (!cli) throw new Error(`${verb.name} has no CLI door`);
  state.json = Boolean(call.options.json);
  const needs = typeof cli.needs === "function" ? cli.needs(call.args) : cli.needs;
  const { config, problems } = checkConfig(io.env, {
    hetzner: needs.hetzner,
    cloud: needs.cloud,
    installer: needs.installer && !io.compose?.installer,
  });
  const options = { ...call.options };
  for (const { key, flag } of call.files) {
    const value = options[key];
    if (typeof value === "string") options[key] = readFileOrText(flag, value, io, config.operator.home);
  }
  const secret = cli.secretFrom?.(call.args);
  if (secret) options[secret.key] = io.readSecret ? io.readSecret(secret.prompt) : io.readStdin();
  const named = await resolveCliNames(call.args, options, config);
  const raw = cli.input({ args: named.args, options: named.options, config });
  // What was typed is checked before the settings: a bad key or id is the first thing to fix.
  parseInput(verb.input, raw);
  if (problems.length > 0) throw new ConfigError(problems);
  // Times in the reader's zone: TZ, else the system's; `--utc` for UTC. A bad TZ is refused here, first.
  const zone = call.utc ? undefined : (config.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
  if (zone) checkTimeZone(zone);
  const { composeCore } = await import("../compose.ts");
  const clock = io.compose?.clock ?? systemClock;
  const notifier =
    needs.notifies && !io.compose?.notifier ? await cliNotifier(config, io, state.json, clock) : undefined;
  const directory = needs.directory ? await cliDirectory(config) : undefined;
  const childEnv = minimalChildEnv(io.env);
  const deps = composeCore(config, {
    createDatabase: verb.name === "init" || Boolean(call.options.init),
    // Only `ccc init` and `ccc migrate` change the schema from the terminal: a CLI of another version
    // never migrates the database under a running bot.
    schema: verb.name === "init" ? "migrate" : verb.name === "migrate" ? "as-is" : "require-current",
    childEnv,
    ...(directory ? { directory } : {}),
    ...io.compose,
    ...(notifier ? { notifier } : {}),
  });
  try {
    // Set for this command only: in-process callers (tests, the bot) keep UTC.
    showTimesIn(zone);
    const actor = { id: config.operator.name, isAdmin: true };
    const report = state.json ? undefined : (line: string) => io.stderr(`${line}\n`);
    const shown = await verb.execute({ deps, actor, ...(report ? { report } : {}) }, raw);
    const plain = { now: deps.clock.now(), actor, sshPort: deps.timing.sshPort };
    // People by their Slack display name: the owners the answer names, looked up once with the bot token.
    const names = await cliNames(config, ownersIn(shown.json(plain)));
    const viewer = { ...plain, names };
    // Which database answered: an operator on the service's host sees at once whether it is the service's.
    report?.(`database: ${config.paths.db}`);
    io.stdout(
      state.json
        ? `${JSON.stringify(withOwnerNames(shown.json(viewer), names), null, 2)}\n`
        : `${shown.text(viewer)}\n`,
    );
    if (shown.failed) state.exitCode = EXIT.failed;
  } finally {
    showTimesIn(undefined);
    deps.store.close();
  }
}
