import type { IncomingMessage } from "node:http";

export const SESSION_COOKIE = "ccc_session";
/** Binds a "Sign in with Slack" round trip to the browser that started it. */
export const OIDC_COOKIE = "ccc_oidc";

/**
 * One cookie's value from the request, or null. A value that does not decode (`ccc_session=%`, put
 * there by another app on the same host or by hand) is no cookie of ours: skipped, never an error.
 */
export function readCookie(req: IncomingMessage, name: string): string | null {
  for (const pair of (req.headers.cookie ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at < 0) continue;
    if (pair.slice(0, at).trim() !== name) continue;
    const value = decoded(pair.slice(at + 1).trim());
    if (value !== null) return value;
  }
  return null;
}

function decoded(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/** A `Set-Cookie` value: never readable by scripts, not sent on cross-site subrequests. */
export function cookie(
  name: string,
  value: string,
  options: { maxAgeSeconds: number; secure: boolean },
): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    "Path=/",
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(options.secure ? ["Secure"] : []),
  ].join("; ");
}
