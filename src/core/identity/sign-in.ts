import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { CoreDeps } from "../deps.ts";
import type { WebSession } from "../store/store.ts";

/** A sign-in link works this long, once. */
export const LINK_TTL_MS = 10 * 60_000;
/** A browser stays signed in this long. */
export const SESSION_TTL_MS = 12 * 60 * 60_000;
/** A "Sign in with Slack" round trip must come back within this. */
export const OIDC_TTL_MS = 10 * 60_000;

export const SIGN_IN_PATH = "/web/sign-in";

type Deps = Pick<CoreDeps, "store" | "clock">;

/** 256 random bits, URL-safe: the only form a secret leaves ccc in. */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** What the store keeps instead of a secret. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Equal strings, compared in constant time (a CSRF token, a state). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A one-time sign-in link for `user` under `publicUrl`. */
export function createSignInLink(
  deps: Deps,
  user: string,
  publicUrl: string,
): { url: string; expiresAt: Date } {
  const now = deps.clock.now();
  const token = newSecret();
  const expiresAt = new Date(now.getTime() + LINK_TTL_MS);
  deps.store.web.addTicket(hashSecret(token), { kind: "link", user, nonce: null, expiresAt }, now);
  const url = new URL(SIGN_IN_PATH.slice(1), withSlash(publicUrl));
  url.searchParams.set("token", token);
  return { url: url.toString(), expiresAt };
}

/** Who the link signs in; null when it is unknown, used or expired (it is used up either way). */
export function redeemSignInLink(deps: Deps, token: string): string | null {
  return deps.store.web.takeTicket(hashSecret(token), "link", deps.clock.now())?.user ?? null;
}

/** How someone signed in to the dashboard, for the audit trail. */
export type SignInWay = "link" | "slack";

/** A new session; `token` goes in the cookie and nowhere else. The sign-in is recorded (never the token). */
export function startSession(deps: Deps, user: string, via?: SignInWay): { token: string; expiresAt: Date } {
  const now = deps.clock.now();
  if (via) {
    deps.store.recordEvent(null, {
      actor: user,
      kind: "signed_in",
      detail: via === "link" ? "dashboard, by a sign-in link" : "dashboard, with Sign in with Slack",
    });
  }
  const token = newSecret();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  deps.store.web.addSession(hashSecret(token), { user, csrf: newSecret(), expiresAt }, now);
  return { token, expiresAt };
}

/** The live session behind a cookie (its flash message taken), or null. */
export function sessionFor(deps: Deps, token: string): WebSession | null {
  return deps.store.web.takeSession(hashSecret(token), deps.clock.now());
}

export function flashSession(deps: Deps, token: string, message: string): void {
  deps.store.web.setFlash(hashSecret(token), message);
}

export function endSession(deps: Deps, token: string): void {
  deps.store.web.removeSession(hashSecret(token));
}

/** Starts a "Sign in with Slack" round trip: the state to send and bind to the browser, and the nonce. */
export function startOidc(deps: Deps): { state: string; nonce: string } {
  const now = deps.clock.now();
  const state = newSecret();
  const nonce = newSecret();
  const expiresAt = new Date(now.getTime() + OIDC_TTL_MS);
  deps.store.web.addTicket(hashSecret(state), { kind: "oidc", user: null, nonce, expiresAt }, now);
  return { state, nonce };
}

/** The nonce of a round trip started here and not yet finished; null otherwise. */
export function finishOidc(deps: Deps, state: string): string | null {
  return deps.store.web.takeTicket(hashSecret(state), "oidc", deps.clock.now())?.nonce ?? null;
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
