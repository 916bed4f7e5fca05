import type { SlackMessage } from "../../render/block-kit/mrkdwn.ts";

/** One `/ccc` invocation, after the ack. */
export interface SlashRequest {
  userId: string;
  /** The words after the verb. */
  words: readonly string[];
  triggerId: string;
  /** Answers the user, ephemeral. */
  reply(message: SlackMessage): Promise<void>;
}
