import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { CoreDeps } from "../deps.ts";
import { QuotaError, UserError } from "../errors.ts";
import type { Actor } from "../instances/actor.ts";
import { type Instance, newInstanceId } from "../instances/instance.ts";
import { expiryFrom, parseHours } from "../instances/policy.ts";
import { parseSshPublicKey } from "../ssh-key/ssh-key.ts";

export interface ProvisionRequest {
  /** A Slack user id or an operator name. */
  owner: string;
  ownerEmail?: string | undefined;
  /** The pasted public key, as typed. */
  sshKey: string;
  hours?: number | string | undefined;
  serverType?: string | undefined;
  location?: string | undefined;
}

const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const EMAIL_PATTERN = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,190}\.[A-Za-z]{2,}$/;

/**
 * Checks a request against every rule and records the instance as `creating`: nothing is spent
 * yet. Bad input or a quota refusal throws a UserError and writes nothing.
 */
export async function startProvision(
  deps: CoreDeps,
  actor: Actor,
  request: ProvisionRequest,
): Promise<Instance> {
  const owner = request.owner.trim();
  if (!OWNER_PATTERN.test(owner)) {
    throw new UserError("The owner must be a Slack user id or a name of letters, digits, . _ @ -", {
      field: "user",
    });
  }
  const email = request.ownerEmail?.trim() || null;
  if (email !== null && !EMAIL_PATTERN.test(email)) {
    throw new UserError(`"${email.slice(0, 60)}" is not an email address.`, { field: "email" });
  }
  const key = parseSshPublicKey(request.sshKey);
  const hours = parseHours(request.hours ?? deps.policy.defaultHours, deps.policy);
  if (hours > deps.policy.maxLifetimeHours) {
    throw new QuotaError(
      `A machine may live at most ${deps.policy.maxLifetimeHours} hours in all (asked for ${hours}).`,
      "hours",
    );
  }
  const offer = await deps.catalog.offer(
    request.serverType?.trim() || deps.policy.defaultServerType,
    request.location?.trim() || deps.policy.defaultLocation,
  );
  const now = deps.clock.now();
  return deps.store.add(
    {
      id: newInstanceId(),
      owner,
      ownerEmail: email,
      sshKeys: [key.line],
      sshKeyFingerprint: key.fingerprint,
      serverType: offer.type.name,
      location: offer.location,
      createdAt: now,
      expiresAt: expiryFrom(now, hours),
    },
    {
      actor: actor.id,
      kind: "requested",
      detail: `${offer.type.name} in ${offer.location} for ${hours} h, key ${key.fingerprint}`,
    },
    deps.policy.maxInstancesPerUser,
  );
}

/** Paths of an instance's flake directory and installer log. */
export function instancePaths(deps: CoreDeps, id: string): { flakeDir: string; logFile: string } {
  return { flakeDir: join(deps.paths.instancesDir, id), logFile: join(deps.paths.logsDir, `${id}.log`) };
}

export async function ensureDataDirs(deps: CoreDeps): Promise<void> {
  await mkdir(deps.paths.instancesDir, { recursive: true, mode: 0o700 });
  await mkdir(deps.paths.logsDir, { recursive: true, mode: 0o700 });
}
