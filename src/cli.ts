import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerInstanceCommands } from "./cli/instance-commands.ts";
import type { CliIo } from "./cli/io.ts";
import { createKit } from "./cli/kit.ts";
import { registerLifecycleCommands } from "./cli/lifecycle-commands.ts";
import { reportError } from "./cli/report.ts";

export type { CliIo } from "./cli/io.ts";

/** Runs one `ccc` command line and returns the exit code: 0 done, 2 refused before any work, 1 failed while working. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const kit = createKit(io);
  const program = new Command("ccc")
    .description("Claude Code Cloud: ephemeral NixOS machines with Claude Code on Hetzner Cloud.")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError();
  registerInstanceCommands(program, kit);
  registerLifecycleCommands(program, kit);
  try {
    await program.parseAsync(argv, { from: "user" });
    return kit.exitCode;
  } catch (error) {
    return reportError(error, kit.json, io);
  }
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
