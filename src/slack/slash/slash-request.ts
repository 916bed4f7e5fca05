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

/** A subcommand that calls out (Hetzner, views.open): it runs after an empty ack. */
export type SlashHandler = (bot: BotContext, request: SlashRequest) => Promise<void>;

/** A subcommand that only reads the store: its answer goes back in the ack itself. */
export type QuickHandler = (bot: BotContext, userId: string, args: string[]) => SlackMessage;
