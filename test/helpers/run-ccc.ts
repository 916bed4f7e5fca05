import { type CliIo, runCli } from "../../src/cli.ts";
import { FAST_HETZNER, FAST_TIMING, type Harness } from "./harness.ts";

export interface CccRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one `ccc` command line in this process against a harness's fakes (as the operator "opal"),
 * and answers its exit code and what it printed.
 */
export async function runCcc(
  h: Pick<Harness, "env">,
  args: string[],
  options: { stdin?: string; env?: Record<string, string>; compose?: CliIo["compose"] } = {},
): Promise<CccRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    env: { ...h.env, USER: "opal", TZ: "UTC", ...options.env },
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: () => options.stdin ?? "",
    compose: { timing: FAST_TIMING, hetzner: FAST_HETZNER, ...options.compose },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}
