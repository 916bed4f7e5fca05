import type { PersonDirectory } from "../../core/billing-sync/billing-port.ts";
import type { WebClient } from "../web-client.ts";

/** People's emails as Slack has them (`users.info`, which needs the `users:read.email` scope). */
export function slackDirectory(client: WebClient): PersonDirectory {
  return {
    async emailOf(person) {
      // An operator name (a machine made with the CLI) is no Slack user: nothing to ask.
      if (!/^[UW][A-Z0-9]{2,}$/.test(person)) return null;
      const answer = await client.users.info({ user: person });
      return answer.user?.profile?.email ?? null;
    },
  };
}
