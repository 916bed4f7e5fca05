import type { CoreDeps } from "../deps.ts";
import { ForbiddenError } from "../errors.ts";
import { parseSshPublicKey } from "../ssh-key/ssh-key.ts";
import { type Actor, ownsOrAdmin } from "./actor.ts";
import { completePendingShares, type Shared } from "./share.ts";

/** A person's key as ccc holds it now, and what setting it set off. */
export interface UserKeyResult {
  user: string;
  /** `null`: nothing on record (only when showing). */
  fingerprint: string | null;
  /** Shares that were waiting for this key and are done now. */
  shared: Shared[];
  /** Shares that were waiting but could not be done (machine gone or full meanwhile). */
  dropped: { instanceId: string; reason: string }[];
}

/** Only the person themselves or an admin may see or set someone's key. */
function checkSelfOrAdmin(actor: Actor, user: string, action: string): void {
  if (!ownsOrAdmin(actor, user)) {
    throw new ForbiddenError(`Only ${user} or an admin can ${action} ${user}'s key.`);
  }
}

/**
 * Sets `user`'s key (the one their next request and any share use) and completes the shares that
 * waited for it. The key is checked like a provision's: a private, malformed or doubled key is
 * refused and nothing is written.
 */
export async function setUserKey(
  deps: CoreDeps,
  actor: Actor,
  user: string,
  key: string,
): Promise<UserKeyResult> {
  checkSelfOrAdmin(actor, user, "set");
  const parsed = parseSshPublicKey(key);
  deps.store.keys.put({ user, sshKey: parsed.line, setAt: deps.clock.now(), setBy: actor.id });
  deps.log.info("ssh key set", { user, by: actor.id, fingerprint: parsed.fingerprint });
  const { shared, dropped } = await completePendingShares(deps, user, parsed.line);
  return { user, fingerprint: parsed.fingerprint, shared, dropped };
}

/** The key `user` would be let in with now. */
export function showUserKey(deps: CoreDeps, actor: Actor, user: string): UserKeyResult {
  checkSelfOrAdmin(actor, user, "see");
  const key = deps.store.currentKeyOf(user);
  return { user, fingerprint: key ? parseSshPublicKey(key).fingerprint : null, shared: [], dropped: [] };
}
