import { UserError } from "../errors.ts";
import { SLACK_USER_ID_FORM as ID } from "../identity/identity.ts";

const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const EMAIL_PATTERN = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,190}\.[A-Za-z]{2,}$/;

/** A Slack mention as Slack escapes it (`<@U123|bob>`, `<@U123>`): the member id inside. */
const MENTION = new RegExp(`^<@(${ID})(?:\\|[^>]*)?>$`);
/**
 * A bare `@name`: a person Slack did not turn into a mention, or one typed at the terminal. `@U0BOB`, a
 * member id in Slack's form (capitals; handles are lower case), is no name: it is that id.
 */
export const BARE_NAME = new RegExp(`^@(?!${ID}$)[A-Za-z0-9][A-Za-z0-9._-]{0,79}$`);
const AT_ID = new RegExp(`^@(${ID})$`);

/**
 * The words for a bare `@name` that could not be resolved: it is never taken as an id or a name, since
 * `@bob` may be anyone, and a budget or a share for the text "bob" reaches nobody.
 */
function unresolvedName(text: string, field: string): UserError {
  return new UserError(
    `ccc cannot tell who ${text.slice(0, 40)} is: pick the person from Slack's list as you type @, so Slack sends a mention, or give their member id (U…, from their profile → ⋮ → Copy member ID).`,
    { field, code: "unresolved_mention" },
  );
}

/** Whom a machine is for: a Slack mention or user id (`U…`), or an operator's name. */
export function parseOwner(value: string): string {
  const text = value.trim();
  if (BARE_NAME.test(text)) throw unresolvedName(text, "user");
  const owner = MENTION.exec(text)?.[1] ?? AT_ID.exec(text)?.[1] ?? text;
  if (!OWNER_PATTERN.test(owner)) {
    throw new UserError("The owner must be a Slack user id or a name of letters, digits, . _ @ -", {
      field: "user",
    });
  }
  return owner;
}

/**
 * Whom to share a machine with (or whose budget or usage), as typed: a Slack mention (`<@U123|bob>`,
 * `<@U123>`), a user id or a name, ending up as a Slack user id or a name like an owner. A bare `@bob`
 * is refused with a hint: the doors resolve it through Slack first (`resolveBareNames`) when they can.
 */
export function parseGuest(value: string): string {
  const text = value.trim();
  if (BARE_NAME.test(text)) throw unresolvedName(text, "with");
  const who = MENTION.exec(text)?.[1] ?? AT_ID.exec(text)?.[1] ?? text;
  try {
    return parseOwner(who);
  } catch {
    throw new UserError(
      "Name the person as @someone, a Slack user id, or a name of letters, digits, . _ @ -",
      {
        field: "with",
      },
    );
  }
}

/** An owner's email, for the record; blank means none. */
export function parseEmail(value: string): string | null {
  const email = value.trim() || null;
  if (email !== null && !EMAIL_PATTERN.test(email)) {
    throw new UserError(`"${email.slice(0, 60)}" is not an email address.`, { field: "email" });
  }
  return email;
}

/** Finds Slack members by a name as typed after `@`: their handle, display name or real name. */
export interface PeopleLookup {
  /** The ids of the active members that answer to `name` (none, one, or several when it is ambiguous). */
  idsOfName(name: string): Promise<string[]>;
}

/**
 * Each bare `@name` among the words, replaced by the member id it names when exactly one active member
 * answers to it; any other word, and a name nobody or several answer to, is left as it was (and refused
 * later with a hint). Asks `lookup` only when there is a bare name.
 */
export async function resolveBareNames(
  words: readonly string[],
  lookup: PeopleLookup | null,
): Promise<string[]> {
  if (!lookup || !words.some((w) => BARE_NAME.test(w))) return [...words];
  const resolved: string[] = [];
  for (const word of words) {
    if (!BARE_NAME.test(word)) {
      resolved.push(word);
      continue;
    }
    const ids = await lookup.idsOfName(word.slice(1)).catch(() => []);
    resolved.push(ids.length === 1 && ids[0] ? ids[0] : word);
  }
  return resolved;
}
