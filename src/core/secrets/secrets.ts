import type { CoreDeps } from "../deps.ts";
import { NotFoundError, UserError } from "../errors.ts";
import { type Actor, onlyAdminsMay } from "../instances/actor.ts";
import type { StoredSecret } from "../store/store.ts";
import { type SecretsKey, SecretsKeyError } from "./secret-cipher.ts";
import {
  CLAUDE_CREDENTIALS,
  CLOUD_SWITCHES,
  checkSecretValue,
  kindOf,
  MAX_SECRETS_PER_PERSON,
  parseSecretName,
  type SecretKind,
} from "./secret-names.ts";
import { SecretValue } from "./secret-value.ts";

type Deps = Pick<CoreDeps, "store" | "clock" | "secretsKey">;

/** What anyone may see of a secret: never its value. */
export interface SecretInfo {
  owner: string;
  name: string;
  kind: SecretKind;
  setAt: Date;
  setBy: string;
  usedAt: Date | null;
}

/** One secret opened for delivery. */
export interface OpenSecret {
  name: string;
  value: SecretValue;
}

export const SECRETS_OFF =
  "Secrets are off here: the operator has not set CCC_SECRETS_KEY (32 random bytes in base64, e.g. `openssl rand -base64 32`) or CCC_SECRETS_KEY_FILE.";

/** The key, or a clear refusal when secrets are off. */
export function requireSecretsKey(deps: Pick<Deps, "secretsKey">): SecretsKey {
  if (!deps.secretsKey) throw new SecretsKeyError(SECRETS_OFF, "secrets_off");
  return deps.secretsKey;
}

function checkWhose(actor: Actor, owner: string, action: string): void {
  onlyAdminsMay(actor, `${action} someone else's secrets`, owner);
}

const info = (s: StoredSecret): SecretInfo => ({
  owner: s.owner,
  name: s.name,
  kind: kindOf(s.name),
  setAt: s.setAt,
  setBy: s.setBy,
  usedAt: s.usedAt,
});

/**
 * Every rule a secret being set must pass (who, the key, the name, the value's form, the quota), without
 * storing it: what `setSecret` checks first, for a caller that asks something else in between (the forge).
 * Answers the name as stored.
 */
export function checkSetSecret(
  deps: Deps,
  actor: Actor,
  request: { owner: string; name: string; value: SecretValue },
): { key: SecretsKey; name: string; existing: StoredSecret | null } {
  checkWhose(actor, request.owner, "set");
  const key = requireSecretsKey(deps);
  const name = parseSecretName(request.name);
  checkSecretValue(name, request.value);
  const existing = deps.store.secrets.get(request.owner, name);
  if (!existing && deps.store.secrets.count(request.owner) >= MAX_SECRETS_PER_PERSON) {
    throw new UserError(
      `You have ${MAX_SECRETS_PER_PERSON} secrets, the most one person may keep: delete one first.`,
      {
        code: "quota_exceeded",
      },
    );
  }
  // A key that cannot open what is stored must not seal more beside it.
  checkKeyMatches(deps, key);
  return { key, name, existing };
}

/** Stores (or replaces) one secret, sealed; the audit trail gets its name only. */
export function setSecret(
  deps: Deps,
  actor: Actor,
  request: { owner: string; name: string; value: SecretValue },
): SecretInfo & { replaced: boolean } {
  const { key, name, existing } = checkSetSecret(deps, actor, request);
  const now = deps.clock.now();
  deps.store.secrets.put({
    owner: request.owner,
    name,
    kind: kindOf(name),
    sealed: key.seal(request.owner, name, request.value),
    keyId: key.id,
    setAt: now,
    setBy: actor.id,
  });
  deps.store.recordEvent(null, {
    actor: actor.id,
    kind: existing ? "secret_replaced" : "secret_set",
    detail: `${name} of ${request.owner}`,
  });
  const stored = deps.store.secrets.get(request.owner, name);
  if (!stored) throw new Error(`secret ${name} vanished after it was written`);
  return { ...info(stored), replaced: existing !== null };
}

/** A person's secrets, names and dates only (works with secrets off too: nothing is opened). */
export function listSecrets(deps: Pick<Deps, "store">, actor: Actor, owner: string): SecretInfo[] {
  checkWhose(actor, owner, "list");
  return deps.store.secrets.ofOwner(owner).map(info);
}

/** Removes one secret; the machines lose it when the caller delivers again. */
export function deleteSecret(deps: Deps, actor: Actor, owner: string, rawName: string): SecretInfo {
  checkWhose(actor, owner, "delete");
  const name = parseSecretName(rawName);
  const stored = deps.store.secrets.get(owner, name);
  if (!stored)
    throw new NotFoundError(`${owner === actor.id ? "You have" : `${owner} has`} no secret ${name}.`);
  deps.store.secrets.remove(owner, name);
  deps.store.recordEvent(null, { actor: actor.id, kind: "secret_deleted", detail: `${name} of ${owner}` });
  return info(stored);
}

/**
 * One decrypted secret of a person, or null when they have none of that name (or secrets are off).
 * For ccc's own use (a clone reads GITHUB_TOKEN / GITLAB_TOKEN); marks it used. A wrong key throws.
 */
export function readSecret(deps: Deps, owner: string, name: string): SecretValue | null {
  if (!deps.secretsKey) return null;
  const stored = deps.store.secrets.get(owner, name);
  if (!stored) return null;
  const value = deps.secretsKey.open(owner, name, stored.sealed, stored.keyId);
  deps.store.secrets.markUsed(owner, [name], deps.clock.now());
  return value;
}

/** Every secret of a person, opened, by name: what their machines get. */
export function openSecretsOf(deps: Deps, owner: string): OpenSecret[] {
  const key = requireSecretsKey(deps);
  return deps.store.secrets
    .ofOwner(owner)
    .map((s) => ({ name: s.name, value: key.open(owner, s.name, s.sealed, s.keyId) }));
}

/**
 * Whether the person has a credential Claude Code signs in with: an API key, the OAuth token of
 * `claude setup-token`, or Bedrock / Vertex switched on. False while secrets are off (none reach a machine).
 */
export function hasClaudeCredential(deps: Deps, owner: string): boolean {
  if (!deps.secretsKey) return false;
  const names = new Set(deps.store.secrets.ofOwner(owner).map((s) => s.name));
  if (CLAUDE_CREDENTIALS.some((n) => names.has(n))) return true;
  return CLOUD_SWITCHES.some((n) => {
    if (!names.has(n)) return false;
    const value = readSecretQuietly(deps, owner, n);
    return value === "1" || value === "true";
  });
}

function readSecretQuietly(deps: Deps, owner: string, name: string): string | null {
  const stored = deps.store.secrets.get(owner, name);
  if (!stored || !deps.secretsKey) return null;
  return deps.secretsKey.open(owner, name, stored.sealed, stored.keyId).reveal();
}

/** Refuses a key that is not the one the stored secrets were sealed with. */
function checkKeyMatches(deps: Deps, key: SecretsKey): void {
  const other = deps.store.secrets.keyIds().find((k) => k.keyId !== key.id);
  if (other) key.open("", "", "", other.keyId); // throws the wrong-key error, naming both ids
}

/**
 * Re-seals every secret with `newKey`, all in one transaction (all or nothing). The current key must
 * open them; afterwards the operator sets CCC_SECRETS_KEY to the new key and restarts ccc.
 */
export function rekeySecrets(
  deps: Deps,
  actor: Actor,
  newKey: SecretsKey,
): { count: number; from: string; to: string } {
  onlyAdminsMay(actor, "rotate the secrets key");
  const key = requireSecretsKey(deps);
  if (newKey.id === key.id) {
    throw new UserError("The new key is the key in use now: make a new one with `openssl rand -base64 32`.", {
      code: "same_key",
    });
  }
  const count = deps.store.secrets.resealAll(newKey.id, (row) =>
    newKey.seal(row.owner, row.name, key.open(row.owner, row.name, row.sealed, row.keyId)),
  );
  deps.store.recordEvent(null, {
    actor: actor.id,
    kind: "secrets_rekeyed",
    detail: `${count} secrets from key ${key.id} to ${newKey.id}`,
  });
  return { count, from: key.id, to: newKey.id };
}

/** One line for the start-up report: on with which key, off and why, or a key that does not fit. */
export function secretsStatus(deps: Pick<Deps, "store" | "secretsKey">): { ok: boolean; line: string } {
  const ids = deps.store.secrets.keyIds();
  const total = ids.reduce((n, k) => n + k.count, 0);
  if (!deps.secretsKey) {
    return {
      ok: total === 0,
      line: `secrets: off (CCC_SECRETS_KEY is not set${total > 0 ? `; ${total} stored secrets cannot be opened or delivered` : ""})`,
    };
  }
  const wrong = ids.filter((k) => k.keyId !== deps.secretsKey?.id);
  if (wrong.length > 0) {
    const n = wrong.reduce((sum, k) => sum + k.count, 0);
    return {
      ok: false,
      line: `secrets: CCC_SECRETS_KEY (${deps.secretsKey.id}) is not the key ${n} stored secrets were sealed with (${wrong.map((k) => k.keyId).join(", ")}); they cannot be opened until that key is set`,
    };
  }
  return { ok: true, line: `secrets: on (key ${deps.secretsKey.id}, ${total} stored)` };
}

export { SecretValue };
