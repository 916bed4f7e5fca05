import { UserError } from "../errors.ts";

const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const EMAIL_PATTERN = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,190}\.[A-Za-z]{2,}$/;

/** Whom a machine is for: a Slack user id (`U…`) or an operator's name. */
export function parseOwner(value: string): string {
  const owner = value.trim();
  if (!OWNER_PATTERN.test(owner)) {
    throw new UserError("The owner must be a Slack user id or a name of letters, digits, . _ @ -", {
      field: "user",
    });
  }
  return owner;
}

/**
 * Whom to share a machine with, as typed: a Slack mention (`<@U123|bob>`, `<@U123>`), `@bob`, or
 * a name, ending up as a Slack user id or a name like an owner.
 */
export function parseGuest(value: string): string {
  const text = value.trim();
  const mention = /^<@([A-Z0-9]+)(?:\|[^>]*)?>$/.exec(text);
  const who = mention?.[1] ?? text.replace(/^@/, "");
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
