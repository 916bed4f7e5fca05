import { Option } from "commander";
import type { CommandContext } from "../commands/context.ts";
import { type ComposeOptions, composeCore } from "../compose.ts";
import { type Env, installerProblems, loadEnv, missingSettings, REQUIRED_FOR_CLOUD } from "../config.ts";

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => string;
  /** Test seams for the adapters; production leaves them out. */
  compose?: ComposeOptions;
}

export const EXIT = { ok: 0, failed: 1, refused: 2 } as const;

/** What a command's action gets: core (as the operator, an admin) and the parsed settings. */
export interface CliRun {
  ctx: CommandContext;
  env: Env;
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
        const env = loadEnv(io.env, [
          ...(needs.cloud ? [(e: Env) => missingSettings(e, REQUIRED_FOR_CLOUD)] : []),
          ...(needs.installer && !io.compose?.installer ? [installerProblems] : []),
        ]);
        // Loaded only here: Slack's client costs a third of a second at every start otherwise.
        const notifier =
          needs.notifies && !io.compose?.notifier
            ? (await import("./cli-notifier.ts")).cliNotifier(env, io, kit.json)
            : undefined;
        const deps = composeCore(env, { ...io.compose, ...(notifier ? { notifier } : {}) });
        try {
          await body({ ctx: { deps, actor: { id: operatorName(env), isAdmin: true } }, env }, ...args);
        } finally {
          deps.store.close();
        }
      },
  };
  return kit;
}

/** Who the CLI acts as: recorded in the audit trail and the default owner of what it provisions. */
export function operatorName(env: Env): string {
  return env.CCC_OPERATOR_NAME || env.USER || "operator";
}
