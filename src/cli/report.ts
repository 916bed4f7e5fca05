import { CommanderError } from "commander";
import { ConfigError } from "../config.ts";
import { CccError, isRefusal } from "../core/errors.ts";
import { describeFailureInFull, ProvisionError } from "../core/provision/provision-failure.ts";
import { type CliIo, EXIT } from "./io.ts";

/** Formats an error once (the operator sees a failed provision in full), as one line (and JSON under --json), and answers the exit code. */
export function reportError(error: unknown, json: boolean, io: CliIo): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return EXIT.ok;
    // Commander has said it on stderr already; under --json it is also JSON, like every other error.
    if (json) {
      const message = error.message.replace(/^error: /, "");
      io.stdout(`${JSON.stringify({ error: { code: "usage", message } }, null, 2)}\n`);
    }
    return EXIT.refused;
  }
  const code = error instanceof ConfigError || isRefusal(error) ? EXIT.refused : EXIT.failed;
  let message = error instanceof Error ? error.message : String(error);
  if (error instanceof ProvisionError) message = describeFailureInFull(error.failure);
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
