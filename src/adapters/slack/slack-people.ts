import type { PeopleLookup } from "../../core/instances/owner.ts";
import type { WebClient } from "./web-client.ts";

/** Pages of users.list read for one name at most: 10 × 200 members; a larger workspace uses mentions. */
const MAX_PAGES = 10;

/**
 * Slack's members by name (`users.list`, scope `users:read`): the active, human members whose handle,
 * display name or real name is `name`, ignoring case. For a bare `@name` that Slack did not escape.
 */
export function slackPeople(client: WebClient): PeopleLookup {
  return {
    async idsOfName(name) {
      const wanted = name.toLowerCase();
      const ids: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await client.users.list({ limit: 200, ...(cursor ? { cursor } : {}) });
        for (const member of answer.members ?? []) {
          if (!member.id || member.deleted || member.is_bot) continue;
          const names = [
            member.name,
            member.profile?.display_name,
            member.real_name,
            member.profile?.real_name,
          ];
          if (names.some((n) => n?.toLowerCase() === wanted) && !ids.includes(member.id)) ids.push(member.id);
        }
        cursor = answer.response_metadata?.next_cursor || undefined;
        if (!cursor) break;
      }
      return ids;
    },
  };
}

/**
 * Whether Slack knows member `id` (`users.info`): false for `user_not_found`, true otherwise, and
 * null when Slack could not be asked (then the caller goes on without the check).
 */
export async function slackKnowsMember(client: WebClient, id: string): Promise<boolean | null> {
  try {
    const answer = await client.users.info({ user: id });
    return Boolean(answer.user);
  } catch (error) {
    const code = (error as { data?: { error?: unknown } } | null)?.data?.error;
    return code === "user_not_found" ? false : null;
  }
}

/** How Slack shows member `id` (display name, else real name, else handle); null when it does not say. */
export async function slackDisplayName(client: WebClient, id: string): Promise<string | null> {
  const answer = await client.users.info({ user: id });
  const u = answer.user;
  return u?.profile?.display_name || u?.real_name || u?.profile?.real_name || u?.name || null;
}
