import type { Logger } from "./core/ports/logger.ts";
import { within } from "./core/within.ts";

/** The part of `process` the policy needs (a test passes an EventEmitter). */
export interface ProcessEvents {
  on(event: "unhandledRejection" | "uncaughtException", listener: (reason: unknown) => void): unknown;
  once(event: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  exit(code: number): void;
}

/**
 * The bot's process-level policy. A signal stops the bot (work in progress finishes) and exits 0.
 * An error nobody waits for is logged and the bot exits 1 for its supervisor to restart it: such an
 * error means something stopped halfway (a Socket Mode client that gave up reconnecting serves
 * nothing, yet the health check would still say yes), and a restart reconciles. Stopping then gets
 * `graceMs`; an interrupted provision is picked up by the start-up reconcile.
 */
export function installExitPolicy(
  proc: ProcessEvents,
  log: Logger,
  stop: () => Promise<void>,
  graceMs = 10_000,
): void {
  let exiting = false;
  const shutdown = (code: number, grace: number | null) => {
    exiting = true;
    const stopped = stop().catch((error: unknown) => log.error("stopping failed", describe(error)));
    void (grace === null ? stopped : within(stopped, grace)).finally(() => proc.exit(code));
  };
  const stray = (what: string) => (reason: unknown) => {
    if (exiting) {
      log.warn(`${what} while stopping`, describe(reason));
      return;
    }
    log.error(`${what}: exiting so that the supervisor restarts the bot`, describe(reason));
    shutdown(1, graceMs);
  };
  proc.on("unhandledRejection", stray("unhandled rejection"));
  proc.on("uncaughtException", stray("uncaught exception"));
  const signal = () => {
    if (!exiting) shutdown(0, null);
  };
  proc.once("SIGINT", signal);
  proc.once("SIGTERM", signal);
}

function describe(reason: unknown): Record<string, unknown> {
  if (!(reason instanceof Error)) return { error: String(reason) };
  const slack = (reason as { data?: { error?: string } }).data?.error;
  return { error: reason.message, ...(slack ? { slackError: slack } : {}), stack: reason.stack };
}
