import { checkConfig } from "../preflight.ts";
import type { CheckResult } from "./check.ts";
import { databaseCheck, flakeCheck, installerCheck, settingsCheck } from "./local-checks.ts";
import { catalogCheck, hetznerCheck, publicUrlCheck, slackCheck } from "./network-checks.ts";

export { type CheckResult, reportLines } from "./check.ts";

export interface DoctorOptions {
  fetch?: typeof fetch;
  /** Each network check's deadline (default 3 s): a slow service is a failed check, not a stuck doctor. */
  timeoutMs?: number;
  /** Checks to leave out (the bot's start skips `public-url`: it serves that address itself). */
  skip?: readonly string[];
  /** A missing Slack bot token fails (the bot) rather than warns (the CLI). */
  slackRequired?: boolean;
}

/**
 * Every check `ccc doctor` makes, in a fixed order, the network ones at once and each with a short
 * deadline. Nothing is created, migrated or changed.
 */
export async function runDoctor(
  env: Record<string, string | undefined>,
  options: DoctorOptions = {},
): Promise<CheckResult[]> {
  const { config, problems } = checkConfig(env, {});
  const net = { fetch: options.fetch ?? fetch, timeoutMs: options.timeoutMs ?? 3_000 };
  const skip = new Set(options.skip ?? []);
  const [hetzner, slack, catalog, publicUrl] = await Promise.all([
    hetznerCheck(config, net),
    slackCheck(config, { ...net, required: options.slackRequired ?? false }),
    catalogCheck(config, net),
    skip.has("public-url") ? null : publicUrlCheck(config, net),
  ]);
  const all = [
    settingsCheck(env, problems),
    hetzner,
    slack,
    installerCheck(config),
    flakeCheck(config),
    catalog,
    databaseCheck(config),
    publicUrl,
  ];
  return all.filter((c): c is CheckResult => c !== null && !skip.has(c.name));
}
