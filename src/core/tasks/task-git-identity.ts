import type { CoreDeps } from "../deps.ts";

/** The domain of the address a task commits with when ccc knows no email of the person (RFC 2606: never delivered). */
export const NOREPLY_DOMAIN = "users.noreply.invalid";

/**
 * git's author and committer for a task's commits. Without one, Claude Code's `git commit` fails on a
 * fresh machine and the task ends "no change". In order: the person's prefs (`git-name`, `git-email`),
 * what ccc knows of them (their Slack display name; the email their latest machine was asked with),
 * else their id and `<id>@users.noreply.invalid`.
 */
export async function taskGitIdentity(
  deps: Pick<CoreDeps, "store" | "personName">,
  owner: string,
): Promise<{ name: string; email: string }> {
  const prefs = deps.store.prefs.get(owner);
  const email = prefs.gitEmail ?? deps.store.lastOwnerEmailOf(owner) ?? noreplyEmail(owner);
  const known = prefs.gitName ? null : await displayName(deps, owner);
  const name = plainName(prefs.gitName ?? known ?? "") || plainName(owner) || "ccc task";
  return { name, email };
}

/** `<id>@users.noreply.invalid`, the id cut to what an address's local part may hold. */
export function noreplyEmail(owner: string): string {
  const local = owner.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[.-]+|[.-]+$/g, "") || "someone";
  return `${local.slice(0, 64)}@${NOREPLY_DOMAIN}`;
}

async function displayName(deps: Pick<CoreDeps, "personName">, owner: string): Promise<string | null> {
  try {
    const name = await deps.personName?.(owner);
    return name && name !== owner ? name : null;
  } catch {
    return null; // Slack not answering: the id will do
  }
}

/** A name git and the machine's check take: no control characters, no `<>`, at most 100 characters. */
function plainName(text: string): string {
  return text
    .replace(/[\p{Cc}<>]/gu, "")
    .trim()
    .slice(0, 100);
}
