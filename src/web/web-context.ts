import type { DoorContext } from "../doors/door-context.ts";

/** "Sign in with Slack": the app's OAuth client and where Slack's Web API answers. */
export interface OidcSettings {
  clientId: string;
  clientSecret: string;
  /** Slack's Web API base (`SLACK_API_URL`, `https://slack.com/api/` by default). */
  apiUrl: string;
}

/** What the dashboard's routes share: the bot (its verbs, store and background tasks) and the web settings. */
export interface WebContext {
  bot: DoorContext;
  /** `CCC_PUBLIC_URL`: links and the OIDC redirect start with it. */
  publicUrl: string | undefined;
  /** Cookies get `Secure` when the public address is https. */
  secure: boolean;
  oidc: OidcSettings | null;
}
