import { COMMANDS, type Command } from "../../commands/index.ts";
import {
  type Block,
  context,
  escapeText,
  type SlackMessage,
  section,
} from "../../render/block-kit/mrkdwn.ts";

/** `/ccc help`, generated from the registry: one line per verb with a Slack door. */
export function helpMessage(
  unknown?: { word: string; suggestion: string | null },
  commands: readonly Command[] = COMMANDS,
): SlackMessage {
  const usage = [
    ...commands.flatMap((c) =>
      c.doors.slack ? [`\`/ccc ${c.doors.slack.usage}\` — ${c.doors.slack.help}`] : [],
    ),
    "`/ccc help` — this text",
  ];
  const blocks: Block[] = [];
  if (unknown) {
    const hint = unknown.suggestion ? ` Did you mean \`/ccc ${unknown.suggestion}\`?` : "";
    blocks.push(section(`I don't know \`${escapeText(unknown.word)}\`.${hint}`));
  }
  blocks.push(
    section(`*ccc* gives you a ready-to-code NixOS machine with Claude Code.\n${usage.join("\n")}`),
  );
  blocks.push(context("Your machines are also on the *Home* tab of this app."));
  const text = unknown ? `Unknown command "${unknown.word}". Try /ccc help.` : "ccc commands";
  return { text, blocks };
}
