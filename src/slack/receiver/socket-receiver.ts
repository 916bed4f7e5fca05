import { LogLevel, SocketModeReceiver } from "@slack/bolt";
import {
  type RetryOptions,
  SOCKET_RETRY,
  slackErrorText,
  socketClientOptions,
} from "../../adapters/slack/web-client.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { AckObserver } from "./ack-kind.ts";
import { boltLogger } from "./bolt-logger.ts";
import { timeSocketAcks } from "./socket-ack-timer.ts";

export interface SocketTuning {
  /** Retry for apps.connections.open (default SOCKET_RETRY: forever, backing off to 30 s). */
  retryConfig?: RetryOptions;
  /** How long a pong may take, and the pause before a reconnect (default 5 s, the client's own). */
  pingTimeoutMs?: number;
}

/**
 * Bolt's Socket Mode receiver with a Web API client of its own. Bolt would hand it the bot's
 * short retry, and a reconnect whose apps.connections.open gives up is a rejection nobody handles:
 * the client stops trying and Node ends the process.
 */
export function createSocketReceiver(
  appToken: string,
  apiUrl: string | undefined,
  log: Logger,
  tuning: SocketTuning = {},
  onAck?: AckObserver,
): SocketModeReceiver {
  let stopping = false;
  const retryConfig = {
    ...(tuning.retryConfig ?? SOCKET_RETRY),
    // p-retry calls this after each failed attempt; throwing ends the retrying, which a stopped
    // bot wants (the client then waits for a reconnect that its stop has cancelled).
    onFailedAttempt: (error: Error & { attemptNumber?: number }) => {
      if (stopping) throw new Error("Socket Mode stopped");
      log.warn("slack socket: apps.connections.open failed; trying again", {
        attempt: error.attemptNumber,
        error: slackErrorText(error),
      });
    },
  };
  const receiver = new SocketModeReceiver({
    appToken,
    logger: boltLogger(log),
    logLevel: LogLevel.INFO,
    ...(tuning.pingTimeoutMs ? { clientPingTimeout: tuning.pingTimeoutMs } : {}),
    installerOptions: { clientOptions: socketClientOptions(apiUrl, retryConfig) },
  });
  receiver.client.on("disconnecting", () => {
    stopping = true;
  });
  receiver.client.on("connected", () => log.info("slack socket connected"));
  receiver.client.on("reconnecting", () => log.info("slack socket reconnecting"));
  if (onAck) timeSocketAcks(receiver.client, onAck);
  return receiver;
}
