// The real bot (its HTTP server and Slack receiver on 127.0.0.1) wired to the core harness (fake Hetzner, SSH
// banners, stand-in installer, SQLite) and a fake Slack Web API, plus a client that signs requests.
import { expect } from "vitest";
import { type BotOptions, type RunningBot, startBot } from "../../src/bot.ts";
import type { Logger } from "../../src/core/ports/logger.ts";
import { type FakeSlack, startFakeSlack } from "../../stand-ins/fake-slack.ts";
import { clockTicks } from "../helpers/clock-ticks.ts";
import type { FakeClock } from "../helpers/fake-clock.ts";
import {
  FAST_HETZNER,
  FAST_TIMING,
  type Harness,
  type HarnessOptions,
  startHarness,
} from "../helpers/harness.ts";
import { SlackSender } from "../helpers/slack-request.ts";
import { realTimeCloud } from "../lifecycle/world.ts";

export const SECRET = "test-signing-secret";
export const ALICE = "U0ALICE";
export const BOB = "U0BOB";
export const ADMIN = "U0ADMIN";

export interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** What every test bot's environment holds: the harness's, and the fake Slack's token and URL. */
export function botEnv(h: Harness, slack: FakeSlack): Record<string, string> {
  return {
    ...h.env,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
    CCC_ADMINS: ADMIN,
    PORT: "0",
  };
}

/** Slack's Web API client retries once, quickly, so a fault injected in the fake shows at once. */
export const FAST_SLACK_CLIENT = {
  retryConfig: { retries: 1, minTimeout: 5, maxTimeout: 10 },
  timeout: 5_000,
};

/** A logger that keeps every line, for tests to read. */
export function captureLog(): { logs: LogLine[]; log: Logger } {
  const logs: LogLine[] = [];
  const entry = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void logs.push({ level, message, fields });
  return { logs, log: { info: entry("info"), warn: entry("warn"), error: entry("error") } };
}

export interface BotHarness {
  h: Harness;
  slack: FakeSlack;
  running: RunningBot;
  send: SlackSender;
  logs: LogLine[];
  close(): Promise<void>;
}

export async function startBotHarness(
  options: {
    env?: Record<string, string>;
    harness?: HarnessOptions;
    bot?: BotOptions;
    /** Runs ccc's decisions and the lifecycle ticks on this clock (Hetzner's client keeps real time). */
    clock?: FakeClock;
  } = {},
): Promise<BotHarness> {
  const h = await startHarness(options.harness);
  const slack = await startFakeSlack();
  const { logs, log } = captureLog();
  const { compose, ...botOptions } = options.bot ?? {};
  const running = await startBot(
    { ...botEnv(h, slack), SLACK_SIGNING_SECRET: SECRET, ...options.env },
    {
      host: "127.0.0.1",
      log,
      ...(options.clock ? { ticks: clockTicks(options.clock) } : {}),
      slack: FAST_SLACK_CLIENT,
      ...botOptions,
      compose: {
        hetzner: FAST_HETZNER,
        timing: FAST_TIMING,
        ...(options.clock ? { clock: options.clock, cloud: realTimeCloud(h) } : {}),
        ...compose,
      },
    },
  );
  // The scheduler reconciles once at start: let that settle so tests see only their own requests.
  await running.scheduler?.idle();
  const send = new SlackSender(`http://127.0.0.1:${running.port}/slack/events`, SECRET);
  return {
    h,
    slack,
    running,
    send,
    logs,
    close: async () => {
      await running.stop();
      await slack.close();
      await h.close();
    },
  };
}

/** The ephemeral answers (response_url posts) so far, newest last. */
export function replies(slack: FakeSlack): { text: string; blocks: unknown[] }[] {
  return slack.calls("response_url").map((c) => ({
    text: String(c.body.text ?? ""),
    blocks: (c.body.blocks as unknown[]) ?? [],
  }));
}

/** Everything a message shows, as one string (text and blocks), for `toContain`. */
export function shown(message: { text: string; blocks: unknown[] } | undefined): string {
  return message ? `${message.text}\n${JSON.stringify(message.blocks)}` : "";
}

/**
 * Sends `/ccc <text>` and returns what Slack would show: the answer in the ack (store reads) or,
 * for commands that work after the ack, what was posted to the response URL.
 */
export async function command(b: BotHarness, user: string, text: string): Promise<string> {
  const url = b.slack.responseUrl();
  const res = await b.send.command(user, text, url);
  if (res.status !== 200) throw new Error(`ack was ${res.status}: ${res.body}`);
  return answerShown(b.slack, res.json, url, text);
}

/**
 * What Slack shows for `/ccc <text>`: the answer in the ack (`ack`, store reads) or, for commands that
 * work after the ack, what was posted to `responseUrl`.
 */
export async function answerShown(
  slack: FakeSlack,
  ack: Record<string, unknown> | null,
  responseUrl: string,
  text: string,
): Promise<string> {
  if (ack?.text) {
    expect(ack.response_type).toBe("ephemeral");
    return shown({ text: String(ack.text), blocks: (ack.blocks as unknown[]) ?? [] });
  }
  const answer = await slack.waitFor(
    () => slack.calls("response_url").find((c) => c.body.path === new URL(responseUrl).pathname),
    10_000,
    `the answer to /ccc ${text}`,
  );
  expect(answer.body.response_type).toBe("ephemeral");
  return shown({ text: String(answer.body.text ?? ""), blocks: (answer.body.blocks as unknown[]) ?? [] });
}
