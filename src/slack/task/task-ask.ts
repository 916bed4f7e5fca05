// What a person asks for in Slack: `/ccc task <repo> <what to do>`, or a mention of the bot
// (`@ccc in acme/api: fix …`, or `@ccc fix …` where the channel has a default repository). The words
// after the repository reach the task verbatim: quotes, backticks, `$(…)` and newlines included.
import { plainSlackText, withoutLeadingMention } from "../../render/block-kit/slack-text.ts";

export type TaskAsk =
  /** `repo` null: the channel's default repository, if it has one. */
  { kind: "ask"; repo: string | null; prompt: string } | { kind: "empty" };

const IN_REPO = /^in\s+(\S+?)(?::(?=\s|$)|(?=\s|$))\s*([\s\S]*)$/i;
const FIRST_WORD = /^(\S+?)(:?)(?:\s+|$)([\s\S]*)$/;

/** owner/name[@branch] or a clone URL: a word that can only be a repository. */
export function looksLikeRepo(word: string): boolean {
  return (
    /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}(?:@[A-Za-z0-9._/+-]+)?$/.test(word) ||
    /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(word) ||
    /^git@[\w.-]+:/.test(word)
  );
}

/**
 * The text after `/ccc task` (as Slack sent it, escaped): the first word is the repository when it
 * looks like one (`in <repo>:` works too); otherwise it all is the prompt, for the channel's default.
 */
export function parseSlashTask(text: string): TaskAsk {
  return parse(plainSlackText(text), "first-word");
}

/**
 * A message that mentions the bot (`botUserId`): `in <repo>:` names the repository (as does a first
 * word like `acme/api:` that ends in a colon); otherwise the channel's default applies.
 */
export function parseMentionTask(text: string, botUserId: string | undefined): TaskAsk {
  return parse(plainSlackText(withoutLeadingMention(text, botUserId)), "colon");
}

function parse(text: string, bareRepo: "first-word" | "colon"): TaskAsk {
  const body = text.replace(/^\s+/, "");
  const named = IN_REPO.exec(body);
  if (named?.[1] && looksLikeRepo(named[1])) return ask(named[1], named[2] ?? "");
  const first = FIRST_WORD.exec(body);
  if (first?.[1] && looksLikeRepo(first[1]) && (bareRepo === "first-word" || first[2] === ":")) {
    return ask(first[1], first[3] ?? "");
  }
  return ask(null, body);
}

function ask(repo: string | null, rest: string): TaskAsk {
  // Only the ends: the lines and spaces inside are the person's.
  const prompt = rest.replace(/^\s+|\s+$/g, "");
  return prompt === "" ? { kind: "empty" } : { kind: "ask", repo, prompt };
}
