import type { types } from "@slack/bolt";
import { formatUtc } from "../time.ts";

// Block Kit building blocks as pure functions (the Bolt import is types only): the verbs' Slack
// renderers and the Slack door both build from these.

export type Block = types.KnownBlock;

/** A message for chat.postMessage / chat.update / a slash answer: the text is the notification fallback. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** Escapes user-provided text for mrkdwn: Slack reads `&`, `<` and `>` as markup. */
export function escapeText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A time each reader sees in their own timezone, with a UTC fallback for clients that cannot. */
export function dateToken(at: Date): string {
  const unix = Math.floor(at.getTime() / 1000);
  return `<!date^${unix}^{date_short_pretty} {time}|${formatUtc(at)}>`;
}

export const section = (text: string): Block => ({ type: "section", text: { type: "mrkdwn", text } });
export const context = (text: string): Block => ({
  type: "context",
  elements: [{ type: "mrkdwn", text }],
});
export const plain = (text: string) => ({ type: "plain_text" as const, text, emoji: true });

export function textMessage(text: string): SlackMessage {
  return { text, blocks: [section(escapeText(text))] };
}

export function errorMessage(text: string): SlackMessage {
  return { text, blocks: [section(`:warning: ${escapeText(text)}`)] };
}
