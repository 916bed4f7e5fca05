import { formatEuros } from "../../core/billing/money.ts";
import { isSlackUserId } from "../../core/identity/identity.ts";
import { monthName } from "../../core/usage/month.ts";
import type { SpendSummary } from "../../core/usage/spend-summary.ts";
import { type Block, context, escapeText, plain, section } from "./mrkdwn.ts";

/** The admins' spend section of the App Home: this month so far, top spenders, last month beside it. */
export function spendBlocks(spend: SpendSummary, now: Date): Block[] {
  const diff = spend.cents - spend.lastMonth.cents;
  const change = `${diff >= 0 ? "+" : "−"}${formatEuros(Math.abs(diff))}`;
  const last = monthName(spend.lastMonth.month, now);
  const top =
    spend.top.length === 0
      ? "Nobody has spent anything yet."
      : spend.top.map((t, i) => `${i + 1}. ${who(t.user)} ${formatEuros(t.cents)}`).join("\n");
  return [
    { type: "header", text: plain(`Spend in ${monthName(spend.month, now)} (admin)`) },
    section(
      `*${formatEuros(spend.cents)}* so far · ${last}: ${formatEuros(spend.lastMonth.cents)} (${change} so far)\n${top}`,
    ),
    context("`/ccc usage all` for the whole month, `ccc usage --csv` for a spreadsheet."),
  ];
}

function who(user: string): string {
  return isSlackUserId(user) ? `<@${user}>` : escapeText(user);
}
