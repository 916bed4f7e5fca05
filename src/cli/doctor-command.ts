import { reportLines } from "../doctor/check.ts";
import { runDoctor } from "../doctor/doctor.ts";
import { type CliIo, EXIT } from "./io.ts";
import type { CliState } from "./run-verb.ts";

/**
 * `ccc doctor`: one line per check; exit 0 when none fails (warnings do not), 1 when any does.
 * Not a verb of the registry: it must run where the verbs cannot (no database, an old schema).
 */
export async function doctorCli(io: CliIo, state: CliState, json: boolean): Promise<void> {
  state.json = json;
  const results = await runDoctor(io.env);
  io.stdout(json ? `${JSON.stringify(results, null, 2)}\n` : `${reportLines(results).join("\n")}\n`);
  state.exitCode = results.some((r) => r.status === "fail") ? EXIT.failed : EXIT.ok;
}
