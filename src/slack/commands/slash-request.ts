import type { SlackMessage } from "../blocks/instance-blocks.ts";
import type { BotContext } from "../bot-context.ts";

/** One `/ccc` invocation, after the ack. */
export interface SlashRequest {
  userId: string;
  args: string[];
  triggerId: string;
  /** Answers the user, ephemeral. */
  reply(message: SlackMessage): Promise<void>;
}

export type SlashHandler = (bot: BotContext, request: SlashRequest) => Promise<void>;
