import { SLACK_USER_ID } from "../../core/identity/identity.ts";
import type { PersonDirectory } from "../../core/ports/billing-sync.ts";
import type { WebClient } from "./web-client.ts";

/** People's emails as Slack has them (`users.info`, which needs the `users:read.email` scope). */
export function slackDirectory(client: WebClient): PersonDirectory {
  return {
    async emailOf(person) {
      // An operator name (a machine made with the CLI) is no Slack user: nothing to ask.
      if (!SLACK_USER_ID.test(person)) return null;
      const answer = await client.users.info({ user: person });
      return answer.user?.profile?.email ?? null;
    },
  };
}
