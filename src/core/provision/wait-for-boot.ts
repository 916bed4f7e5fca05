import type { CoreDeps } from "../deps.ts";
import { ExternalError } from "../errors.ts";
import { probeSsh } from "./wait-for-ssh.ts";

const PROBE_TIMEOUT_MS = 3_000;
const ACTION_MAX_GAP_MS = 60_000;
const FIRST_PROBE_GAP_MS = 100;

/**
 * Waits until SSH answers on `host`, up to the configured time. A live SSH port proves the boot, so
 * the create action and the start that follows it get only a cheap eye (first after
 * `actionFirstCheckMs`, then at doubling gaps): one that ended in `error` fails at once with
 * Hetzner's message.
 */
export async function waitForBoot(deps: CoreDeps, host: string, actionIds: number[]): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([waitForSsh(deps, host, stop.signal), watchActions(deps, actionIds, stop.signal)]);
  } finally {
    stop.abort(new Error("boot wait over"));
  }
}

/** Probes SSH on `host` until it answers with a banner or the configured wait runs out. */
export async function waitForSsh(deps: CoreDeps, host: string, signal?: AbortSignal): Promise<void> {
  const { sshPort, sshWaitMs, sshProbeIntervalMs } = deps.timing;
  const deadline = deps.clock.now().getTime() + sshWaitMs;
  let lastError = "no attempt";
  // Probes cost no API requests: start eager so a fast boot is seen at once, then settle.
  let gap = Math.min(FIRST_PROBE_GAP_MS, sshProbeIntervalMs);
  for (;;) {
    try {
      await probeSsh(host, sshPort, Math.min(PROBE_TIMEOUT_MS, sshWaitMs), signal);
      return;
    } catch (error) {
      if (signal?.aborted) throw error;
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (deps.clock.now().getTime() + gap > deadline) break;
    await deps.clock.sleep(gap, signal);
    gap = Math.min(gap * 2, sshProbeIntervalMs);
  }
  throw new ExternalError(
    "ssh",
    "ssh_timeout",
    `SSH on ${host}:${sshPort} did not answer within ${Math.round(sshWaitMs / 1000)} s (last: ${lastError}).`,
  );
}

/**
 * Never resolves while the actions run or succeed; rejects when one ends in `error`. All of them
 * are looked at in one request per look.
 */
async function watchActions(deps: CoreDeps, actionIds: number[], signal: AbortSignal): Promise<never> {
  let pending = actionIds;
  let gap = deps.timing.actionFirstCheckMs;
  while (pending.length > 0) {
    await deps.clock.sleep(gap, signal);
    const actions = await deps.cloud.getActions(pending, signal);
    const failed = actions.find((a) => a.status === "error");
    if (failed) {
      const what = failed.command === "create_server" ? "create" : `run ${failed.command} on`;
      throw new ExternalError(
        "hetzner",
        failed.error?.code ?? "action_failed",
        `Hetzner could not ${what} the server: ${failed.error?.message ?? `${failed.command} failed`}.`,
      );
    }
    pending = actions.filter((a) => a.status === "running").map((a) => a.id);
    gap = Math.min(gap * 2, ACTION_MAX_GAP_MS);
  }
  return new Promise<never>(() => {});
}
