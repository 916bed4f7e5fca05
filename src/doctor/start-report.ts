import type { Logger } from "../core/ports/logger.ts";
import { checkConfig } from "../preflight.ts";
import type { CheckResult } from "./check.ts";
import { runDoctor } from "./doctor.ts";
import { publicUrlCheck } from "./network-checks.ts";

/** Checks whose failure stops the bot today (its settings check refuses to start): the rest only warn. */
const FATAL = new Set(["settings", "installer", "flake"]);

/** Short: the bot's start waits for these. */
const START_TIMEOUT_MS = 2_000;

function logCheck(log: Logger, result: CheckResult): void {
  const status = result.status === "fail" && !FATAL.has(result.name) ? "warn" : result.status;
  const fields = { check: result.name, status, detail: result.message };
  if (status === "ok") log.info("start check", fields);
  else if (status === "warn") log.warn("start check", fields);
  else log.error("start check", fields);
}

/**
 * `ccc doctor`'s checks, logged one line each before the bot starts. Failures that stop the bot
 * today (settings, installer, flake, a refused Slack or Hetzner token at start) still stop it, in
 * `startBot`; everything else is a warning here. The public URL is checked once the bot listens
 * (it may be the bot itself): call `reportPublicUrl` then.
 */
export async function startReport(env: Record<string, string | undefined>, log: Logger): Promise<void> {
  const results = await runDoctor(env, {
    timeoutMs: START_TIMEOUT_MS,
    skip: ["public-url"],
    slackRequired: true,
  });
  for (const result of results) logCheck(log, result);
}

export async function reportPublicUrl(env: Record<string, string | undefined>, log: Logger): Promise<void> {
  const { config } = checkConfig(env, {});
  logCheck(log, await publicUrlCheck(config, { fetch, timeoutMs: START_TIMEOUT_MS }));
}
