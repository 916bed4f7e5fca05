import type { CoreDeps } from "../deps.ts";
import { ExternalError } from "../errors.ts";
import { probeSsh } from "../wait-for-ssh.ts";

const PROBE_TIMEOUT_MS = 3_000;

/**
 * Waits for SSH on a server whose create action is not known (a provision resumed after a
 * restart): probes until the configured wait runs out.
 */
export async function awaitSsh(deps: CoreDeps, host: string): Promise<void> {
  const { sshPort, sshWaitMs, sshProbeIntervalMs } = deps.timing;
  const deadline = deps.clock.now().getTime() + sshWaitMs;
  let lastError = "no attempt";
  for (;;) {
    try {
      await probeSsh(host, sshPort, Math.min(PROBE_TIMEOUT_MS, sshWaitMs));
      return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (deps.clock.now().getTime() + sshProbeIntervalMs > deadline) break;
    await deps.clock.sleep(sshProbeIntervalMs);
  }
  throw new ExternalError(
    "ssh",
    "ssh_timeout",
    `SSH on ${host}:${sshPort} did not answer within ${Math.round(sshWaitMs / 1000)} s (last: ${lastError}).`,
  );
}
