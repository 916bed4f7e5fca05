import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { checkBudget, warnNearBudget } from "../budget/check-budget.ts";
import type { BudgetChange } from "../budget/standing.ts";
import type { CoreDeps } from "../deps.ts";
import { checkProvisionGuardrails, checkWhenRecorded } from "../guardrails/check-request.ts";
import { withinGuardrails } from "../guardrails/guardrails.ts";
import type { Actor } from "../instances/actor.ts";
import type { Instance } from "../instances/instance.ts";
import { expiryFrom, newLifetimeHours } from "../instances/policy.ts";
import { recordRequest } from "../pool/claim.ts";
import { checkPackageNames } from "../software/package-names.ts";
import { softwarePolicyOf } from "../software/software-policy.ts";
import type { SshPublicKey } from "../ssh-key/ssh-key.ts";
import { checkWorkVolumeFree, reserveWorkVolume } from "../volumes/work-volume.ts";

/** A provision request whose every field has been checked for form (see src/commands/provision.ts). */
export interface ProvisionRequest {
  /** A Slack user id or an operator name. */
  owner: string;
  ownerEmail: string | null;
  key: SshPublicKey;
  /** Lifetime; the policy's default when not given. */
  hours?: number | undefined;
  serverType: string | undefined;
  location: string | undefined;
  /** Extra nixpkgs packages, split but not yet checked against the admin's rules. */
  packages?: readonly string[] | undefined;
  /** The person's work volume in that location goes with the machine (made at this size on first use). */
  keepWork?: { sizeGb: number } | undefined;
}

/**
 * Checks a request against the operator's rules (caps, what Hetzner offers, the quota) and records
 * the instance as `creating`: nothing is spent yet. A refusal throws a UserError and writes nothing.
 */
export async function startProvision(
  deps: CoreDeps,
  actor: Actor,
  request: ProvisionRequest,
): Promise<Instance> {
  const { owner, ownerEmail: email, key } = request;
  const packages = checkPackageNames(request.packages ?? [], softwarePolicyOf(deps));
  const hours = newLifetimeHours(request.hours, deps.policy);
  const offer = await deps.catalog.offer(
    request.serverType || deps.policy.defaultServerType,
    request.location || deps.policy.defaultLocation,
    (o) => withinGuardrails(o, deps.guardrails),
  );
  await checkProvisionGuardrails(deps, { owner, offer, hours });
  if (request.keepWork) checkWorkVolumeFree(deps, owner, offer.location);
  const change: BudgetChange = { kind: "provision", price: offer, hours };
  checkBudget(deps, owner, change);
  const now = deps.clock.now();
  // A ready pool machine of that type and location is claimed for the request when there is one.
  const instance = await recordRequest(
    deps,
    {
      owner,
      ownerEmail: email,
      sshKeys: [key.line],
      sshKeyFingerprint: key.fingerprint,
      serverType: offer.type.name,
      location: offer.location,
      createdAt: now,
      expiresAt: expiryFrom(now, hours),
      packages,
      requestedHours: hours,
    },
    {
      actor: actor.id,
      kind: "requested",
      detail: `${offer.type.name} in ${offer.location} for ${hours} h, key ${key.fingerprint}${packages.length > 0 ? `, packages ${packages.join(" ")}` : ""}`,
    },
    deps.policy.maxInstancesPerUser,
    offer,
    checkWhenRecorded(deps, owner, change),
  );
  if (request.keepWork) reserveWorkVolume(deps, instance, request.keepWork.sizeGb);
  await warnNearBudget(deps, owner);
  return instance;
}

/** Paths of an instance's flake directory and installer log. */
export function instancePaths(deps: CoreDeps, id: string): { flakeDir: string; logFile: string } {
  return { flakeDir: join(deps.paths.instancesDir, id), logFile: join(deps.paths.logsDir, `${id}.log`) };
}

export async function ensureDataDirs(deps: CoreDeps): Promise<void> {
  await mkdir(deps.paths.instancesDir, { recursive: true, mode: 0o700 });
  await mkdir(deps.paths.logsDir, { recursive: true, mode: 0o700 });
}
