// Writes docs/cli.md, the CLI reference, from the command registry: `npm run docs:cli`. A test fails when
// the file in the repository differs from what this makes, so the reference cannot go stale.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildProgram } from "../src/cli/program.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
export const CLI_REFERENCE = join(root, "docs", "cli.md");

/** The reference as Markdown: the overview, then each command's own `--help`. */
export function renderCliReference(): string {
  const io = { env: {}, stdout: () => {}, stderr: () => {}, readStdin: () => "" };
  const program = buildProgram(io, { json: false, exitCode: 0 });
  program.configureHelp({ helpWidth: 100 });
  const sections = program.commands.map((command) => {
    command.configureHelp({ helpWidth: 100 });
    return `## ccc ${command.name()}\n\n${command.summary() || command.description()}\n\n\`\`\`text\n${command.helpInformation().trimEnd()}\n\`\`\`\n`;
  });
  return [
    "# The `ccc` command line",
    "",
    "Generated from the command registry by `npm run docs:cli`; do not edit by hand (a test compares it).",
    "Every command takes `--json` (JSON on stdout, errors as JSON too) and prints the database it used on stderr.",
    "Exit codes: 0 done, 2 refused before any work (nothing changed), 1 failed while working.",
    "",
    "```text",
    program.helpInformation().trimEnd(),
    "```",
    "",
    ...sections,
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(CLI_REFERENCE, renderCliReference());
  console.log(`wrote ${CLI_REFERENCE}`);
}
