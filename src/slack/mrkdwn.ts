import type { types } from "@slack/bolt";

export type Block = types.KnownBlock;

/** Escapes user-provided text for mrkdwn: Slack reads `&`, `<` and `>` as markup. */
export function escapeText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A time each reader sees in their own timezone, with a UTC fallback for clients that cannot. */
export function dateToken(at: Date): string {
  const unix = Math.floor(at.getTime() / 1000);
  const fallback = `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return `<!date^${unix}^{date_short_pretty} {time}|${fallback}>`;
}

/** "in 3 hours", "in 45 minutes", "in under a minute" or "now". */
export function inTime(at: Date, now: Date): string {
  const minutes = Math.floor((at.getTime() - now.getTime()) / 60_000);
  if (at.getTime() <= now.getTime()) return "now";
  if (minutes < 1) return "in under a minute";
  if (minutes < 120) return `in ${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round(minutes / 6) / 10;
  return `in ${hours} hours`;
}

export const section = (text: string): Block => ({ type: "section", text: { type: "mrkdwn", text } });
export const context = (text: string): Block => ({
  type: "context",
  elements: [{ type: "mrkdwn", text }],
});
export const plain = (text: string) => ({ type: "plain_text" as const, text, emoji: true });
