// The core harness and a fake Slack Web API in this process, the bot in one of its own (see
// bot-process.ts), and a client that signs requests with its secret.
import { type FakeSlack, startFakeSlack } from "../../stand-ins/fake-slack.ts";
import { type BotProcess, startBotProcess } from "./bot-process.ts";
import { type Harness, startHarness } from "./harness.ts";
import { SlackSender } from "./slack-request.ts";

export interface BotProcessWorld {
  h: Harness;
  slack: FakeSlack;
  bot: BotProcess;
  send: SlackSender;
  /** Stops the bot, then the fakes. */
  close(): Promise<void>;
}

/** Starts it all; `env` adds to (or overrides) the bot's environment and may use the harness's paths. */
export async function startBotProcessWorld(
  secret: string,
  env: (h: Harness) => Record<string, string> = () => ({}),
): Promise<BotProcessWorld> {
  const started: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const step of started.reverse()) await step();
  };
  try {
    const h = await startHarness();
    started.push(() => h.close());
    const slack = await startFakeSlack();
    started.push(() => slack.close());
    const bot = await startBotProcess({
      ...h.env,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: secret,
      SLACK_API_URL: slack.apiUrl,
      PORT: "0",
      ...env(h),
    });
    started.push(() => bot.stop());
    const send = new SlackSender(`http://127.0.0.1:${bot.port}/slack/events`, secret);
    return { h, slack, bot, send, close };
  } catch (error) {
    await close();
    throw error;
  }
}
