// The real bot in Socket Mode (SLACK_APP_TOKEN set, no signing secret) wired to the core harness,
// the fake Slack Web API and the fake Socket Mode endpoint behind it.
import { type RunningBot, startBot } from "../../src/bot.ts";
import { type FakeSlack, startFakeSlack } from "../../stand-ins/fake-slack.ts";
import { FAST_SOCKET, type FakeSocketMode, startFakeSocketMode } from "../../stand-ins/fake-socket-mode.ts";
import { FAST_HETZNER, FAST_TIMING, type Harness, startHarness } from "../helpers/harness.ts";
import { slashCommand } from "../helpers/slack-payloads.ts";
import { answerShown, botEnv, captureLog, FAST_SLACK_CLIENT, type LogLine } from "./bot-harness.ts";

export interface SocketBotHarness {
  h: Harness;
  slack: FakeSlack;
  socket: FakeSocketMode;
  running: RunningBot;
  logs: LogLine[];
  close(): Promise<void>;
}

export async function startSocketBotHarness(
  options: { env?: Record<string, string> } = {},
): Promise<SocketBotHarness> {
  const h = await startHarness();
  const slack = await startFakeSlack();
  const socket = await startFakeSocketMode(slack);
  const { logs, log } = captureLog();
  const closeFakes = async () => {
    await socket.close();
    await slack.close();
    await h.close();
  };
  let running: RunningBot;
  try {
    running = await startBot(
      { ...botEnv(h, slack), SLACK_APP_TOKEN: socket.appToken, ...options.env },
      {
        host: "127.0.0.1",
        log,
        compose: { hetzner: FAST_HETZNER, timing: FAST_TIMING },
        slack: FAST_SLACK_CLIENT,
        socket: FAST_SOCKET,
      },
    );
  } catch (error) {
    await closeFakes();
    throw error;
  }
  await running.scheduler?.idle();
  return {
    h,
    slack,
    socket,
    running,
    logs,
    close: async () => {
      await running.stop();
      await closeFakes();
    },
  };
}

/**
 * `/ccc <text>` over the socket; returns what Slack would show: the answer in the ack (store reads)
 * or, for commands that work after the ack, what was posted to the response URL.
 */
export async function socketCommand(b: SocketBotHarness, user: string, text: string): Promise<string> {
  const url = b.slack.responseUrl();
  const ack = await b.socket.deliver("slash_commands", slashCommand(user, text, url));
  return answerShown(b.slack, ack.payload, url, text);
}
