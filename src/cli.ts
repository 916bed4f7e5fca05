import { readFileSync } from "node:fs";
import { type CliIo, EXIT } from "./cli/io.ts";
import { buildProgram } from "./cli/program.ts";
import { reportError } from "./cli/report.ts";
import type { CliState } from "./cli/run-verb.ts";
import { readSecretFromTerminal } from "./cli/secret-prompt.ts";

export type { CliIo } from "./cli/io.ts";

/** Runs one `ccc` command line and returns the exit code: 0 done, 2 refused before any work, 1 failed while working. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const state: CliState = { json: false, exitCode: EXIT.ok };
  const program = buildProgram(io, state);
  // A bare `ccc` asked for nothing wrong: it gets the help, and success.
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return state.exitCode;
  } catch (error) {
    // A usage error (an unknown option, a missing argument) comes before runVerb reads --json.
    return reportError(error, state.json || argv.includes("--json"), io);
  }
}

/** The process entry point behind `bin/ccc.js`. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: () => readFileSync(0, "utf8"),
    readSecret: readSecretFromTerminal,
  });
}
