import { SLACK_USER_ID_FORM } from "../../core/identity/identity.ts";

// Slack sends a mention of someone as `<@U0BOB>`, without the name the person saw when typing `@Bob`.
// The model gets the words as meant, so each such mention gets its name (`<@U0BOB|Bob>`, which
// plainSlackText shows as `@Bob`) before the ask is read. An id Slack does not name stays an id.

const BARE_MENTION = new RegExp(`<@(${SLACK_USER_ID_FORM})>`, "g");

/** How long the names may take, all at once: the thread must still be answered within Slack's 3 s. */
const NAMES_WAIT_MS = 1_000;
/** At most this many people are looked up per message (users.info is rate-limited); the rest stay ids. */
const MAX_LOOKUPS = 20;

/** `text` (as Slack sent it) with each bare `<@U…>` named, except `skip` (the bot, which is dropped). */
export async function withMentionNames(
  text: string,
  nameOf: (userId: string, waitMs: number) => Promise<string>,
  skip?: string,
): Promise<string> {
  const ids = new Set([...text.matchAll(BARE_MENTION)].map((m) => m[1] as string));
  if (skip) ids.delete(skip);
  if (ids.size === 0) return text;
  const names = new Map<string, string>();
  await Promise.all(
    [...ids].slice(0, MAX_LOOKUPS).map(async (id) => {
      const name = await nameOf(id, NAMES_WAIT_MS).catch(() => id);
      // `|` and `>` would end the label early: a name with them is shown as the id.
      if (name !== id && !/[|<>]/.test(name)) names.set(id, name);
    }),
  );
  return text.replace(BARE_MENTION, (whole, id: string) => {
    const name = names.get(id);
    return name ? `<@${id}|${name}>` : whole;
  });
}
