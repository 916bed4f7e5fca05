import type { OidcSettings } from "./web-context.ts";

/** Who Slack says signed in, after every check passed. */
export interface OidcIdentity {
  userId: string;
  teamId: string;
}

const TIMEOUT_MS = 5_000;

/** Slack's authorize page: beside its Web API (`…/api/` → `…/openid/connect/authorize`). */
export function authorizeUrl(oidc: OidcSettings, redirectUri: string, state: string, nonce: string): string {
  const url = new URL("../openid/connect/authorize", withSlash(oidc.apiUrl));
  url.search = new URLSearchParams({
    response_type: "code",
    scope: "openid profile",
    client_id: oidc.clientId,
    redirect_uri: redirectUri,
    state,
    nonce,
  }).toString();
  return url.toString();
}

/**
 * Trades the code for tokens (`openid.connect.token`) and asks who it is (`openid.connect.userInfo`).
 * The ID token comes straight from Slack over TLS, so its claims are checked (audience, nonce,
 * expiry, same user as userInfo) rather than its signature (OpenID Connect Core 3.1.3.7).
 * Null with a reason on any mismatch.
 */
export async function identify(
  oidc: OidcSettings,
  code: string,
  redirectUri: string,
  nonce: string,
  now: Date,
): Promise<OidcIdentity | { refused: string }> {
  const token = await call(oidc, "openid.connect.token", {
    body: new URLSearchParams({
      client_id: oidc.clientId,
      client_secret: oidc.clientSecret,
      code,
      redirect_uri: redirectUri,
      grant_type: "authorization_code",
    }),
  });
  if (token.ok !== true || typeof token.access_token !== "string" || typeof token.id_token !== "string") {
    return { refused: `Slack did not accept the sign-in (${String(token.error ?? "no token")}).` };
  }
  const claims = jwtClaims(token.id_token);
  if (!claims) return { refused: "Slack's answer was not readable." };
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audience.includes(oidc.clientId)) return { refused: "Slack's answer was meant for another app." };
  if (claims.nonce !== nonce) return { refused: "Slack's answer did not belong to this sign-in." };
  if (typeof claims.exp !== "number" || claims.exp * 1000 <= now.getTime()) {
    return { refused: "Slack's answer had expired." };
  }
  const info = await call(oidc, "openid.connect.userInfo", {
    headers: { authorization: `Bearer ${token.access_token}` },
  });
  const userId = info["https://slack.com/user_id"];
  const teamId = info["https://slack.com/team_id"];
  if (info.ok !== true || typeof userId !== "string" || typeof teamId !== "string") {
    return { refused: `Slack did not say who you are (${String(info.error ?? "no user")}).` };
  }
  if (claims["https://slack.com/user_id"] !== userId || claims.sub !== info.sub) {
    return { refused: "Slack's answers did not agree on who you are." };
  }
  return { userId, teamId };
}

async function call(
  oidc: OidcSettings,
  method: string,
  init: { body?: URLSearchParams; headers?: Record<string, string> },
): Promise<Record<string, unknown>> {
  const response = await fetch(new URL(method, withSlash(oidc.apiUrl)), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...init.headers },
    body: init.body ?? "",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  return (await response.json()) as Record<string, unknown>;
}

function jwtClaims(jwt: string): Record<string, unknown> | null {
  const payload = jwt.split(".")[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown;
    return typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
