import { existsSync, readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { PrintingNotifier } from "./adapters/printing-notifier.ts";
import { systemClock } from "./adapters/system-clock.ts";
import { checkExpired, checkExpiredFailed, checkExpiredText } from "./commands/check-expired.ts";
import type { CommandContext } from "./commands/context.ts";
import { deprovision, deprovisionText } from "./commands/deprovision.ts";
import { extend, extendText } from "./commands/extend.ts";
import { instanceJson } from "./commands/instance-view.ts";
import { list, listText } from "./commands/list.ts";
import { progressText, provision, provisionText } from "./commands/provision.ts";
import { reconcile, reconcileFailed, reconcileText } from "./commands/reconcile.ts";
import { remind, remindText } from "./commands/remind.ts";
import { status, statusText } from "./commands/status.ts";
import { offerJson, types, typesText } from "./commands/types.ts";
import { type ComposeOptions, composeCore } from "./compose.ts";
import { ConfigError, type Env, envSchema, parseEnv } from "./config.ts";
import { CccError, isRefusal } from "./core/errors.ts";
import type { Logger } from "./core/logger.ts";
import type { Notifier } from "./core/notifier.ts";
import { ProvisionError } from "./core/run-provision.ts";
import { SlackNotifier } from "./slack/slack-notifier.ts";
import { createSlackWebClient } from "./slack/web-client.ts";

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => string;
  /** Test seams for the adapters; production leaves them out. */
  compose?: ComposeOptions;
}

const EXIT = { ok: 0, failed: 1, refused: 2 } as const;

/** Runs one `ccc` command line and returns the exit code: 0 done, 2 refused before any work, 1 failed while working. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  let json = false;
  const out = (human: string, data: unknown) =>
    io.stdout(json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
  const context = (needCloud: boolean, notifies: boolean): CommandContext => {
    const env = parseEnv(envSchema, io.env);
    const notifier = notifies && !io.compose?.notifier ? cliNotifier(env, io, json) : undefined;
    const deps = composeCore(env, { ...io.compose, needCloud, ...(notifier ? { notifier } : {}) });
    return { deps, actor: { id: operatorName(io.env), isAdmin: true } };
  };
  const action =
    <A extends unknown[]>(
      needCloud: boolean,
      body: (ctx: CommandContext, ...args: A) => Promise<void> | void,
      { notifies = false } = {},
    ) =>
    async (...args: A) => {
      const options = args.at(-2) as { json?: boolean } | undefined;
      json = Boolean(options?.json);
      const ctx = context(needCloud, notifies);
      try {
        await body(ctx, ...args);
      } finally {
        ctx.deps.store.close();
      }
    };

  const program = new Command("ccc")
    .description("Claude Code Cloud: ephemeral NixOS machines with Claude Code on Hetzner Cloud.")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError();
  const jsonOption = new Option("--json", "print JSON instead of text");

  program
    .command("provision")
    .description("create a machine, install NixOS with Claude Code on it, and print how to connect")
    .requiredOption(
      "--ssh-key <file|-|key>",
      "the user's SSH public key: a file, - for standard input, or the key itself",
    )
    .option("--user <name>", "who the machine is for (a Slack user id or a name)", operatorName(io.env))
    .option("--email <address>", "the user's email, for the record")
    .option("--hours <n>", "lifetime in hours (default CCC_DEFAULT_HOURS)")
    .option("--type <name>", "server type (see `ccc types`; default CCC_DEFAULT_SERVER_TYPE)")
    .option("--location <name>", "location (default CCC_DEFAULT_LOCATION)")
    .addOption(jsonOption)
    .addHelpText(
      "after",
      "\nExamples:\n  ccc provision --user alice --ssh-key ~/.ssh/id_ed25519.pub --hours 8\n  cat key.pub | ccc provision --ssh-key - --type cax11 --location hel1 --json",
    )
    .action(
      action(true, async (ctx, opts: Record<string, string | boolean | undefined>) => {
        const instance = await provision(
          ctx,
          {
            owner: String(opts.user),
            ownerEmail: opts.email as string | undefined,
            sshKey: readKeyArgument(String(opts.sshKey), io),
            hours: opts.hours as string | undefined,
            serverType: opts.type as string | undefined,
            location: opts.location as string | undefined,
          },
          (progress) => {
            if (!json) io.stderr(`${progressText(progress)}\n`);
          },
        );
        out(provisionText(instance, ctx.deps.clock.now()), instanceJson(instance));
      }),
    );

  program
    .command("deprovision <id>")
    .alias("delete")
    .description("delete a machine now")
    .addOption(jsonOption)
    .addHelpText("after", "\nExample:\n  ccc deprovision ccc-7f3k2q")
    .action(
      action(true, async (ctx, id: string) => {
        const result = await deprovision(ctx, { id });
        out(deprovisionText(result), { ...instanceJson(result.instance), changed: result.changed });
      }),
    );

  program
    .command("status <id>")
    .description("show one machine and the time it has left")
    .addOption(jsonOption)
    .addHelpText("after", "\nExample:\n  ccc status ccc-7f3k2q --json")
    .action(
      action(false, (ctx, id: string) => {
        const result = status(ctx, { id });
        out(statusText(result, ctx.deps.clock.now()), {
          ...instanceJson(result.instance),
          timeLeftMs: result.timeLeftMs,
        });
      }),
    );

  program
    .command("list")
    .description("list live machines: one user's (default: yours), or everyone's with --all")
    .option("--all", "every user's machines")
    .option("--user <name>", "this user's machines")
    .addOption(jsonOption)
    .addHelpText("after", "\nExamples:\n  ccc list --all\n  ccc list --user U012AB3CD --json")
    .action(
      action(false, (ctx, opts: { all?: boolean; user?: string }) => {
        const asked = opts.user ? { ...ctx, actor: { id: opts.user, isAdmin: true } } : ctx;
        const result = list(asked, { all: Boolean(opts.all) });
        out(listText(result, ctx.deps.clock.now()), result.instances.map(instanceJson));
      }),
    );

  program
    .command("extend <id> <hours>")
    .description(
      "give a machine more time (within CCC_MAX_HOURS per request and CCC_MAX_LIFETIME_HOURS in all)",
    )
    .addOption(jsonOption)
    .addHelpText("after", "\nExample:\n  ccc extend ccc-7f3k2q 2")
    .action(
      action(true, async (ctx, id: string, hours: string) => {
        const instance = await extend(ctx, { id, hours });
        out(extendText(instance, ctx.deps.clock.now()), instanceJson(instance));
      }),
    );

  program
    .command("types")
    .description("server types on offer, with cores, RAM, disk, architecture and prices (incl. VAT)")
    .option("--location <name>", "only this location")
    .addOption(jsonOption)
    .addHelpText("after", "\nExample:\n  ccc types --location fsn1")
    .action(
      action(true, async (ctx, opts: { location?: string }) => {
        const offers = await types(ctx, { location: opts.location });
        out(typesText(offers), offers.map(offerJson));
      }),
    );

  program
    .command("check-expired")
    .description("delete every machine past its expiry and tell its owner (run it from cron every minute)")
    .addOption(jsonOption)
    .addHelpText(
      "after",
      "\nCrontab (without the bot):\n  * * * * * cd /path/to/ccc && npx ccc check-expired && npx ccc remind >> data/cron.log 2>&1",
    )
    .action(
      action(
        true,
        async (ctx) => {
          const summary = await checkExpired(ctx);
          out(checkExpiredText(summary), {
            outcomes: summary.outcomes.map((o) => ({
              ...instanceJson(o.instance),
              error: o.error,
              retryAt: o.retryAt?.toISOString() ?? null,
            })),
            busy: summary.busy,
          });
          if (checkExpiredFailed(summary)) exitCode = EXIT.failed;
        },
        { notifies: true },
      ),
    );

  program
    .command("remind")
    .description("remind owners whose machines expire within CCC_REMIND_MINUTES (run it every minute)")
    .addOption(jsonOption)
    .addHelpText("after", "\nExample:\n  CCC_REMIND_MINUTES=60,15 ccc remind")
    .action(
      action(
        false,
        async (ctx) => {
          const env = parseEnv(envSchema, io.env);
          const summary = await remind(ctx, { offsets: env.CCC_REMIND_MINUTES });
          out(
            remindText(summary),
            summary.reminders.map((r) => ({
              id: r.instance.id,
              owner: r.instance.owner,
              offsetMinutes: r.offsetMinutes,
              minutesLeft: r.minutesLeft,
              delivered: r.delivered,
            })),
          );
        },
        { notifies: true },
      ),
    );

  program
    .command("reconcile")
    .description(
      "compare ccc's servers at Hetzner with the store: delete orphans, close records of vanished servers, recover interrupted provisions",
    )
    .option("--dry-run", "only list what is found and what would be done")
    .addOption(jsonOption)
    .addHelpText(
      "after",
      "\nExamples:\n  ccc reconcile --dry-run\n  */10 * * * * cd /path/to/ccc && npx ccc reconcile",
    )
    .action(
      action(
        true,
        async (ctx, opts: { dryRun?: boolean }) => {
          const env = parseEnv(envSchema, io.env);
          const summary = await reconcile(ctx, {
            graceMinutes: env.CCC_ORPHAN_GRACE_MINUTES,
            dryRun: Boolean(opts.dryRun),
          });
          out(reconcileText(summary), summary);
          if (reconcileFailed(summary)) exitCode = EXIT.failed;
        },
        { notifies: true },
      ),
    );

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    return report(error, json, io);
  }
}

function report(error: unknown, json: boolean, io: CliIo): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.ok : EXIT.refused;
  }
  const code = error instanceof ConfigError || isRefusal(error) ? EXIT.refused : EXIT.failed;
  let message = error instanceof Error ? error.message : String(error);
  if (error instanceof ProvisionError) message = `${error.instanceId} failed: ${message}; ${error.cleanup}.`;
  if (!(error instanceof CccError) && !(error instanceof ConfigError)) {
    message = `unexpected error (a bug): ${error instanceof Error ? (error.stack ?? message) : message}`;
  }
  if (json) {
    const errorCode =
      error instanceof CccError ? error.code : error instanceof ConfigError ? "config" : "bug";
    io.stdout(`${JSON.stringify({ error: { code: errorCode, message } }, null, 2)}\n`);
  }
  io.stderr(`ccc: ${message}\n`);
  return code;
}

/** `--ssh-key` takes a file, `-` for standard input, or the key text itself. */
function readKeyArgument(value: string, io: CliIo): string {
  if (value === "-") return io.readStdin();
  const path = value.startsWith("~/") ? `${io.env.HOME ?? ""}${value.slice(1)}` : value;
  if (!/^(ssh-|ecdsa-|sk-)/.test(value) && existsSync(path)) return readFileSync(path, "utf8");
  return value;
}

/**
 * The lifecycle commands tell people what the bot would: Slack DMs with a bot token, else printed
 * lines (on stderr under --json, so the JSON stays parseable).
 */
function cliNotifier(env: Env, io: CliIo, json: boolean): Notifier {
  const clock = io.compose?.clock ?? systemClock;
  if (!env.SLACK_BOT_TOKEN) return new PrintingNotifier(json ? io.stderr : io.stdout, clock);
  const log: Logger = {
    info() {},
    warn: (message, fields) => io.stderr(`ccc: ${message} ${JSON.stringify(fields ?? {})}\n`),
    error: (message, fields) => io.stderr(`ccc: ${message} ${JSON.stringify(fields ?? {})}\n`),
  };
  const client = createSlackWebClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL, log);
  return new SlackNotifier(client, { admins: env.CCC_ADMINS, clock, log });
}

function operatorName(env: Record<string, string | undefined>): string {
  return env.CCC_OPERATOR_NAME || env.USER || "operator";
}

/** The process entry point behind `bin/ccc.js`. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: () => readFileSync(0, "utf8"),
  });
}
