import { callSlack, slackErrorText, type WebClient } from "../../adapters/slack/web-client.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { SlackMessage } from "../../render/block-kit/mrkdwn.ts";
import type { ChannelPacer } from "./channel-pacer.ts";

/** Where a task's thread is: the channel, and the message the thread hangs off. */
export interface ThreadPlace {
  channel: string;
  threadTs: string;
}

/** Posts a message in the thread at once (counted against the channel's pace); its ts, or null. */
export async function postInThread(
  client: WebClient,
  log: Logger,
  pacer: ChannelPacer,
  place: ThreadPlace,
  message: SlackMessage,
): Promise<string | null> {
  const posted = await pacer.now(place.channel, () =>
    callSlack(log, "chat.postMessage", () =>
      client.chat.postMessage({
        channel: place.channel,
        thread_ts: place.threadTs,
        text: message.text,
        blocks: message.blocks,
      }),
    ),
  );
  return posted?.ts ?? null;
}

/**
 * A task's one status message in its thread, edited in place: every `show` replaces what waits, and the
 * channel's pacer lets at most one edit a second through, so the newest state always lands.
 */
export class StatusMessage {
  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
    private readonly pacer: ChannelPacer,
    readonly channel: string,
    readonly ts: string,
  ) {}

  /** Resolves once this version (or a newer one) is in Slack, or failed (logged). */
  show(message: SlackMessage): Promise<void> {
    return this.showWith(() => message);
  }

  /**
   * Like `show`, with the message drawn only when the channel's turn comes (so it is the newest state).
   * `failed` hears of an edit Slack did not take, so the drawer can try that state again.
   */
  showWith(draw: () => SlackMessage, failed?: () => void): Promise<void> {
    const { channel, ts } = this;
    return this.pacer.update(channel, ts, async () => {
      const message = draw();
      try {
        await this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
      } catch (error) {
        this.log.warn("task status edit failed", { channel, ts, error: slackErrorText(error) });
        failed?.();
      }
    });
  }
}
