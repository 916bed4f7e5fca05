import { Argument, Option, Command as Program } from "commander";
import { COMMANDS, type Command } from "../commands/index.ts";
import { cccVersion } from "../version.ts";
import { COMPLETION_SHELLS, type CompletionShell, completionScript } from "./completion.ts";
import type { CliIo } from "./io.ts";
import { type CliState, runVerb } from "./run-verb.ts";

/** `ccc` with one subcommand per verb that has a CLI door, generated from the registry. */
export function buildProgram(io: CliIo, state: CliState, commands: readonly Command[] = COMMANDS): Program {
  const program = new Program("ccc")
    .description("Claude Code Cloud: ephemeral NixOS machines with Claude Code on Hetzner Cloud.")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError()
    .version(cccVersion(), "-V, --version", "print ccc's version")
    .option("--utc", "show times in UTC instead of the local zone (TZ)");
  for (const verb of commands) {
    const cli = verb.doors.cli;
    if (!cli) continue;
    const sub = program
      .command([verb.name, ...(cli.args ?? [])].join(" "))
      .aliases(verb.aliases)
      .description(verb.summary);
    const options = (cli.options ?? []).map((o) => {
      const option = new Option(o.flags, o.description).makeOptionMandatory(o.required ?? false);
      sub.addOption(option);
      return { option, fileOrText: o.fileOrText ?? false };
    });
    sub.addOption(new Option("--json", "print JSON instead of text"));
    if (verb.name !== "init") {
      sub.addOption(new Option("--init", "create the database if there is none (as `ccc init` does)"));
    }
    const heading = cli.examples.length === 1 ? "Example" : "Examples";
    sub.addHelpText("after", `\n${heading}:\n${cli.examples.map((e) => `  ${e}`).join("\n")}`);
    sub.action(async (...values: unknown[]) => {
      // Commander passes the positional values, then the options object, then the command.
      const positional = values
        .slice(0, cli.args?.length ?? 0)
        .map((v) => (typeof v === "string" ? v : undefined));
      const opts = sub.opts();
      const args = Object.fromEntries(
        (cli.args ?? []).map((a, i) => [a.replace(/[<>[\]]/g, ""), positional[i]]),
      );
      const files = options
        .filter((o) => o.fileOrText)
        .map((o) => ({ key: o.option.attributeName(), flag: o.option.long ?? "" }));
      const utc = Boolean(sub.optsWithGlobals().utc);
      await runVerb(verb, { io, state, args, options: opts, files, utc });
    });
  }
  program
    .command("completion")
    .description("print a completion script for bash, zsh or fish")
    .addArgument(new Argument("<shell>", "the shell").choices(COMPLETION_SHELLS))
    .addHelpText(
      "after",
      "\nExamples:\n  source <(ccc completion bash)\n  ccc completion fish > ~/.config/fish/completions/ccc.fish",
    )
    .action((shell: CompletionShell) => {
      io.stdout(completionScript(shell, commands));
    });
  program
    .command("doctor")
    .description("check settings, Hetzner, Slack, installer, flake, catalog, database and public URL")
    .option("--json", "print JSON instead of text")
    .addHelpText("after", "\nExit 0 when every check passes or only warns, 1 when any fails.")
    .action(async (opts: { json?: boolean }) => {
      const { doctorCli } = await import("./doctor-command.ts");
      await doctorCli(io, state, Boolean(opts.json));
    });
  return program;
}
