import { LogLevel, webApi } from "@slack/bolt";

export type WebClient = webApi.WebClient;
type WebClientOptions = webApi.WebClientOptions;
export type RetryOptions = webApi.RetryOptions;

import type { Logger } from "../../core/ports/logger.ts";

/**
 * Few, short retries: the default waits up to about 30 minutes, and a rate-limited call pauses the
 * client's whole queue, so one failing DM would hold up every other answer.
 */
export const SLACK_RETRY = { retries: 2, factor: 1.5, minTimeout: 300, maxTimeout: 2_000, randomize: true };

/**
 * The Socket Mode client's own retry, for `apps.connections.open` alone. It runs only while
 * (re)connecting, so it can wait; a client that gives up never tries again and the bot would serve
 * nothing, so it keeps trying through an outage, backing off to one attempt every 30 s.
 */
export const SOCKET_RETRY: RetryOptions = {
  forever: true,
  factor: 2,
  minTimeout: 1_000,
  maxTimeout: 30_000,
  randomize: true,
};

export interface SlackClientTuning {
  retryConfig?: WebClientOptions["retryConfig"];
  /** Per request, in milliseconds. */
  timeout?: number;
}

/** Options for every Web API client ccc makes, Bolt's included. */
export function slackClientOptions(
  apiUrl: string | undefined,
  tuning: SlackClientTuning = {},
): WebClientOptions {
  return {
    ...apiUrlOption(apiUrl),
    retryConfig: tuning.retryConfig ?? SLACK_RETRY,
    timeout: tuning.timeout ?? 10_000,
    // Answered at once as an error instead of pausing the queue; `callSlack` retries just that call.
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  };
}

/** Options for the Socket Mode client's own Web API client (apps.connections.open, app token). */
export function socketClientOptions(apiUrl: string | undefined, retryConfig: RetryOptions): WebClientOptions {
  // A rate limit is waited out here: nothing else shares this client's queue. It logs through the
  // receiver's logger, so no log level of its own.
  return { ...apiUrlOption(apiUrl), retryConfig, timeout: 10_000 };
}

function apiUrlOption(apiUrl: string | undefined): WebClientOptions {
  return apiUrl ? { slackApiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/` } : {};
}

/** A Web API client for the notifier and the bot, tuned as above. */
export function createSlackWebClient(
  token: string,
  apiUrl: string | undefined,
  log: Logger,
  tuning: SlackClientTuning = {},
): WebClient {
  const client = new webApi.WebClient(token, slackClientOptions(apiUrl, tuning));
  client.on(webApi.WebClientEvent.RATE_LIMITED, (seconds: number) =>
    log.warn("slack rate limited", { retryAfterSeconds: seconds }),
  );
  return client;
}

const MAX_RATE_LIMIT_WAIT_S = 30;

/** Runs one Web API call, waiting out one rate limit of up to 30 s; never throws, answers null on failure. */
export async function callSlack<T>(
  log: Logger,
  what: string,
  call: () => Promise<T>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retryAfter = rateLimitSeconds(error);
      if (attempt === 0 && retryAfter !== null && retryAfter <= MAX_RATE_LIMIT_WAIT_S) {
        await sleep(retryAfter * 1000);
        continue;
      }
      log.error("slack call failed", { call: what, error: slackErrorText(error) });
      return null;
    }
  }
}

function rateLimitSeconds(error: unknown): number | null {
  const e = error as { code?: string; retryAfter?: number } | null;
  return e?.code === "slack_webapi_rate_limited_error" && typeof e.retryAfter === "number"
    ? e.retryAfter
    : null;
}

export function slackErrorText(error: unknown): string {
  const e = error as { data?: { error?: string }; message?: string } | null;
  return e?.data?.error ?? e?.message ?? String(error);
}
