import { createHash, randomBytes } from "node:crypto";
import { ForbiddenError, NotFoundError, UserError } from "../errors.ts";
import { type Actor, onlyAdminsMay, ownsOrAdmin } from "../instances/actor.ts";
import type { Clock } from "../ports/clock.ts";
import type { ApiToken, Store } from "../store/store.ts";
import { SLACK_USER_ID } from "./identity.ts";

/** What every secret starts with, so a leaked one is recognisable (and greppable by secret scanners). */
export const TOKEN_MARK = "ccc_";
const PREFIX_LENGTH = TOKEN_MARK.length + 4;
const SECRET_SHAPE = /^ccc_[A-Za-z0-9_-]{32}$/;

export function hashToken(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export interface CreatedToken {
  token: ApiToken;
  /** Shown once, never stored. */
  secret: string;
}

export interface NewTokenRequest {
  user: string;
  name: string;
  /** Refused when true: a token has its person's rights and no others (see `authenticate`). */
  admin?: boolean;
}

/** How many live (unrevoked) tokens one person may hold when the operator says nothing (`CCC_MAX_TOKENS_PER_USER`). */
export const DEFAULT_MAX_TOKENS_PER_USER = 5;

/**
 * A new token for `request.user`, a Slack user id (every door the token opens checks that person
 * with Slack). Only an admin may make one for someone else; a person holds at most `maxPerUser`
 * live tokens, so making more cannot multiply their rate limit or hide one among many.
 */
export function createToken(
  deps: { store: Store; clock: Clock },
  actor: Actor,
  request: NewTokenRequest,
  maxPerUser = DEFAULT_MAX_TOKENS_PER_USER,
): CreatedToken {
  onlyAdminsMay(actor, "make a token for someone else", request.user);
  if (request.admin) {
    // Asking for one is worth an operator's eye: recorded, with names only.
    deps.store.recordEvent(null, {
      actor: actor.id,
      kind: "token_refused",
      detail: `${request.user}: an admin token was asked for and refused`,
    });
    throw new UserError(
      "A token has no admin right of its own: it acts as an admin while its person is in CCC_ADMINS and a member of the Slack workspace. Make the token without admin.",
      { field: "admin", code: "no_admin_tokens" },
    );
  }
  if (!SLACK_USER_ID.test(request.user)) {
    throw new UserError(
      `A token is for a member of the Slack workspace, named by their Slack user id (like U012AB3CD), not "${request.user}".`,
      { field: "user" },
    );
  }
  const live = deps.store.apiTokens.list(request.user).filter((t) => t.revokedAt === null);
  if (live.length >= maxPerUser) {
    throw new UserError(
      `${request.user} has ${live.length} live token${live.length === 1 ? "" : "s"} already; the limit is ${maxPerUser}. Revoke one first (token list, token revoke <id>).`,
      { code: "token_limit" },
    );
  }
  const secret = `${TOKEN_MARK}${randomBytes(24).toString("base64url")}`;
  const token = deps.store.apiTokens.add({
    id: `tok_${randomBytes(6).toString("hex")}`,
    user: request.user,
    name: request.name,
    prefix: secret.slice(0, PREFIX_LENGTH),
    hash: hashToken(secret),
    admin: false,
    createdAt: deps.clock.now(),
    createdBy: actor.id,
  });
  // Names only: the id, the name and the prefix anyone may see; never the secret.
  deps.store.recordEvent(null, {
    actor: actor.id,
    kind: "token_created",
    detail: `${token.user}: ${token.id} "${token.name}"`,
  });
  return { token, secret };
}

/** A person's tokens (an admin may ask for anyone's, or everyone's with no user). */
export function listTokens(store: Store, actor: Actor, user: string | undefined): ApiToken[] {
  onlyAdminsMay(actor, "list someone else's tokens", user);
  return store.apiTokens.list(user);
}

/** Revokes a token of the actor's own, or anyone's for an admin; revoking twice is refused. */
export function revokeToken(deps: { store: Store; clock: Clock }, actor: Actor, id: string): ApiToken {
  const token = deps.store.apiTokens.get(id);
  if (!token) throw new NotFoundError(`No token ${id}.`);
  if (!ownsOrAdmin(actor, token.user)) {
    throw new ForbiddenError(`Token ${id} is not yours, so you cannot revoke it.`);
  }
  if (!deps.store.apiTokens.revoke(id, deps.clock.now())) {
    throw new UserError(`Token ${id} was revoked already.`, { code: "already_revoked" });
  }
  deps.store.recordEvent(null, {
    actor: actor.id,
    kind: "token_revoked",
    detail: `${token.user}: ${token.id} "${token.name}"`,
  });
  return deps.store.apiTokens.get(id) ?? token;
}

/** Last use is written at most this often per token: a busy script must not make every read a write. */
const LAST_USE_GRANULARITY_MS = 60_000;

/**
 * The token a secret belongs to, or null for a malformed, unknown or revoked one. It says only who
 * asks: whether that person may act, and as an admin, is the identity check's answer (on every
 * request), never the token's.
 */
export function authenticate(deps: { store: Store; clock: Clock }, secret: string): ApiToken | null {
  if (!SECRET_SHAPE.test(secret)) return null;
  const token = deps.store.apiTokens.byHash(hashToken(secret));
  if (!token) return null;
  const now = deps.clock.now();
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= LAST_USE_GRANULARITY_MS) {
    deps.store.apiTokens.markUsed(token.id, now);
  }
  return token;
}
