import { callSlack, type WebClient } from "../adapters/slack/web-client.ts";
import type { Logger } from "../core/ports/logger.ts";
import type { SlackMessage } from "../render/block-kit/mrkdwn.ts";

/** Opens (or finds) the DM channel between the bot and a user; null when Slack refuses. */
export async function openDm(client: WebClient, log: Logger, userId: string): Promise<string | null> {
  const opened = await callSlack(log, "conversations.open", () =>
    client.conversations.open({ users: userId }),
  );
  return opened?.channel?.id ?? null;
}

/** Sends a message to a user's DM; false when it could not be delivered (logged). */
export async function sendDm(
  client: WebClient,
  log: Logger,
  userId: string,
  message: SlackMessage,
): Promise<boolean> {
  const channel = await openDm(client, log, userId);
  if (!channel) return false;
  const posted = await callSlack(log, "chat.postMessage", () =>
    client.chat.postMessage({ channel, text: message.text, blocks: message.blocks }),
  );
  return posted !== null;
}

/**
 * One DM that is posted once and then updated in place (chat.update) as work progresses. Updates
 * apply in order; none throws, so a failing DM never stops the work it reports on.
 */
export class LiveDm {
  private channel: string | null = null;
  private ts: string | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
    private readonly userId: string,
  ) {}

  /** Shows `message`; a `final` one is posted anew if the update fails, so the outcome always arrives. */
  show(message: SlackMessage, options: { final?: boolean } = {}): Promise<void> {
    this.queue = this.queue.then(() => this.apply(message, options.final ?? false));
    return this.queue;
  }

  private async apply(message: SlackMessage, final: boolean): Promise<void> {
    const { text, blocks } = message;
    if (this.channel && this.ts) {
      const { channel, ts } = this;
      const updated = await callSlack(this.log, "chat.update", () =>
        this.client.chat.update({ channel, ts, text, blocks }),
      );
      if (updated || !final) return;
    }
    this.channel ??= await openDm(this.client, this.log, this.userId);
    const channel = this.channel;
    if (!channel) return;
    const posted = await callSlack(this.log, "chat.postMessage", () =>
      this.client.chat.postMessage({ channel, text, blocks }),
    );
    if (posted?.ts) this.ts = posted.ts;
  }
}
