import type { WebClient } from "../../adapters/slack/web-client.ts";
import { Identity, type IdentityOptions } from "../../core/identity/identity.ts";
import type { Clock } from "../../core/ports/clock.ts";

/**
 * The identity rules for the bot: the workspace is CCC_SLACK_TEAM_ID when set, otherwise the one
 * the bot token belongs to (`auth.test`), so a request relayed from anywhere else is refused.
 */
export async function startIdentity(
  client: WebClient,
  settings: {
    teamId: string | undefined;
    allowGuests: boolean;
    admins: readonly string[];
    clock: Clock;
    onRefused?: IdentityOptions["onRefused"];
  },
): Promise<Identity> {
  const teamId = settings.teamId ?? (await ownTeam(client));
  return new Identity({
    teamId,
    allowGuests: settings.allowGuests,
    admins: new Set(settings.admins),
    clock: settings.clock,
    ...(settings.onRefused ? { onRefused: settings.onRefused } : {}),
    lookup: async (user) => {
      let answer: Awaited<ReturnType<WebClient["users"]["info"]>>;
      try {
        answer = await client.users.info({ user });
      } catch (error) {
        // Slack knows no such person (an account removed for good): an answer, not a failure.
        if (slackError(error) === "user_not_found") return null;
        throw error;
      }
      const info = answer.user;
      if (!info) throw new Error(`users.info gave no user for ${user}`);
      return {
        teamId: info.team_id ?? null,
        enterpriseId: info.enterprise_user?.enterprise_id ?? null,
        guest: info.is_restricted === true || info.is_ultra_restricted === true,
        deleted: info.deleted === true,
        name: info.profile?.display_name || info.real_name || info.profile?.real_name || info.name || null,
      };
    },
  });
}

function slackError(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === "string" ? data.error : undefined;
}

async function ownTeam(client: WebClient): Promise<string> {
  const auth = await client.auth.test();
  // An org-wide install answers for the Enterprise Grid org; its requests carry that id too.
  const team = auth.team_id || auth.enterprise_id;
  if (!team) throw new Error("Slack's auth.test named no workspace for the bot token; set CCC_SLACK_TEAM_ID");
  return team;
}
