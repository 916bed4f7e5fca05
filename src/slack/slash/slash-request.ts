import type { SlackMessage } from "../../render/block-kit/mrkdwn.ts";

/** One `/ccc` invocation, after the ack. */
export interface SlashRequest {
  userId: string;
  /** The words after the verb. */
  words: readonly string[];
  /** The text after the verb as Slack sent it (escaped), lines and spaces kept: for a task's prompt. */
  text: string;
  /** The channel the command was typed in. */
  channelId: string;
  triggerId: string;
  /** Answers the user, ephemeral. */
  reply(message: SlackMessage): Promise<void>;
}
