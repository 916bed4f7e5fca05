import type { ListResult } from "../../commands/list.ts";
import type { StatusResult } from "../../commands/status.ts";
import { typesText } from "../../commands/types.ts";
import type { Offer } from "../../core/cloud/catalog.ts";
import { type Block, context, escapeText, section } from "../mrkdwn.ts";
import { instanceCard, type SlackMessage } from "./instance-blocks.ts";

export const SUBCOMMANDS = ["help", "provision", "list", "status", "extend", "deprovision", "types"] as const;

const USAGE = [
  "`/ccc provision` — a new machine: paste your SSH public key, pick type, region and hours",
  "`/ccc list` — your machines (`/ccc list all`: everyone's, admins only)",
  "`/ccc status [id]` — one machine, or all of yours",
  "`/ccc extend <id> <hours>` — more time, e.g. `/ccc extend ccc-7f3k2q 2`",
  "`/ccc deprovision <id>` — delete a machine now",
  "`/ccc types [location]` — server types with prices",
  "`/ccc help` — this text",
];

export function helpMessage(unknown?: { word: string; suggestion: string | null }): SlackMessage {
  const blocks: Block[] = [];
  if (unknown) {
    const hint = unknown.suggestion ? ` Did you mean \`/ccc ${unknown.suggestion}\`?` : "";
    blocks.push(section(`I don't know \`${escapeText(unknown.word)}\`.${hint}`));
  }
  blocks.push(
    section(`*ccc* gives you a ready-to-code NixOS machine with Claude Code.\n${USAGE.join("\n")}`),
  );
  blocks.push(context("Your machines are also on the *Home* tab of this app."));
  const text = unknown ? `Unknown command "${unknown.word}". Try /ccc help.` : "ccc commands";
  return { text, blocks };
}

export function listMessage(result: ListResult, now: Date): SlackMessage {
  const whose = result.all ? "All live machines" : "Your machines";
  if (result.instances.length === 0) {
    const text = result.all
      ? "No machines are running."
      : "You have no machines. Start one with /ccc provision.";
    return { text, blocks: [section(escapeText(text))] };
  }
  const blocks: Block[] = [section(`*${whose}* (${result.instances.length})`)];
  for (const i of result.instances.slice(0, 15)) {
    blocks.push({ type: "divider" }, ...instanceCard(i, now, { showOwner: result.all }));
  }
  if (result.instances.length > 15) blocks.push(context(`…and ${result.instances.length - 15} more.`));
  return { text: `${whose}: ${result.instances.map((i) => i.id).join(", ")}`, blocks };
}

export function statusMessage(result: StatusResult, now: Date, showOwner: boolean): SlackMessage {
  const i = result.instance;
  return { text: `${i.id}: ${i.status}`, blocks: instanceCard(i, now, { showOwner }) };
}

export function typesMessage(offers: Offer[], location: string | undefined): SlackMessage {
  const where = location ? ` in ${escapeText(location)}` : "";
  return {
    text: `Server types${where}`,
    blocks: [
      section(`*Server types${where}*, cheapest first (€ incl. VAT):`),
      section(`\`\`\`${escapeText(typesText(offers)).slice(0, 2900)}\`\`\``),
    ],
  };
}

export function textMessage(text: string): SlackMessage {
  return { text, blocks: [section(escapeText(text))] };
}

export function errorMessage(text: string): SlackMessage {
  return { text, blocks: [section(`:warning: ${escapeText(text)}`)] };
}
