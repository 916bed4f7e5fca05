import { Option } from "commander";
import type { CommandContext } from "../commands/context.ts";
import { composeCore } from "../compose.ts";
import type { Config } from "../config.ts";
import { loadConfig } from "../preflight.ts";
import { cliNotifier } from "./cli-notifier.ts";
import { type CliIo, EXIT } from "./io.ts";

/** What a command's action gets: core (as the operator, an admin) and the parsed settings. */
export interface CliRun {
  ctx: CommandContext;
  config: Config;
}

/** Shared state and helpers of one `ccc` invocation. */
export interface CliKit {
  io: CliIo;
  /** True once the running command was given `--json`. */
  readonly json: boolean;
  exitCode: number;
  /** Prints the human text, or the data as JSON under `--json`. */
  out(human: string, data: unknown): void;
  jsonOption(): Option;
  /** Wraps a command body: parses the settings once, composes core, closes the store afterwards. */
  action<A extends unknown[]>(
    needs: { cloud: boolean; notifies?: boolean; installer?: boolean },
    body: (run: CliRun, ...args: A) => Promise<void> | void,
  ): (...args: A) => Promise<void>;
}

export function createKit(io: CliIo): CliKit {
  const kit: CliKit = {
    io,
    json: false,
    exitCode: EXIT.ok,
    out: (human, data) => io.stdout(kit.json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`),
    jsonOption: () => new Option("--json", "print JSON instead of text"),
    action:
      (needs, body) =>
      async (...args) => {
        // Commander passes the options object second to last.
        const options = args.at(-2) as { json?: boolean } | undefined;
        (kit as { json: boolean }).json = Boolean(options?.json);
        const config = loadConfig(io.env, {
          cloud: needs.cloud,
          installer: needs.installer && !io.compose?.installer,
        });
        const notifier =
          needs.notifies && !io.compose?.notifier ? cliNotifier(config, io, kit.json) : undefined;
        const deps = composeCore(config, { ...io.compose, ...(notifier ? { notifier } : {}) });
        try {
          await body({ ctx: { deps, actor: { id: config.operator.name, isAdmin: true } }, config }, ...args);
        } finally {
          deps.store.close();
        }
      },
  };
  return kit;
}
