import type { CoreDeps } from "../deps.ts";
import { QuotaError } from "../errors.ts";
import { checkIdleChoice, hibernationOf } from "../hibernate/idle-policy.ts";
import { type Actor, onlyAdminsMay } from "../instances/actor.ts";
import { capHours } from "../instances/policy.ts";
import { checkPackageNames } from "../software/package-names.ts";
import { softwarePolicyOf } from "../software/software-policy.ts";
import type { UserPrefs } from "../store/store.ts";
import { checkWorkspacePrefs } from "../workspace/workspace-prefs.ts";

export type { UserPrefs } from "../store/store.ts";

/** A change to someone's defaults; `null` clears a field (back to the operator's default). */
export interface PrefsChange {
  serverType?: string | null;
  location?: string | null;
  hours?: number | null;
  packages?: string[] | null;
  saveOnExpiry?: boolean;
  repo?: string | null;
  dotfiles?: string | null;
  gitName?: string | null;
  gitEmail?: string | null;
  /** Minutes idle before the person's machines hibernate; 0 is never; null clears. */
  idleMinutes?: number | null;
}

/** Only the person themselves or an admin reads or changes someone's defaults. */
export function checkPrefsAccess(actor: Actor, user: string): void {
  onlyAdminsMay(actor, "see or change someone else's defaults", user);
}

/**
 * Checks a change as a provision would check the same values (a type offered in the location, the
 * hour caps, the package rules) and saves it. A refusal throws a UserError and saves nothing.
 */
export async function setPrefs(
  deps: CoreDeps,
  actor: Actor,
  user: string,
  change: PrefsChange,
): Promise<UserPrefs> {
  checkPrefsAccess(actor, user);
  const current = deps.store.prefs.get(user);
  const merged = <K extends keyof PrefsChange>(key: K, fallback: NonNullable<PrefsChange[K]> | undefined) =>
    change[key] === undefined ? fallback : (change[key] ?? undefined);
  if (change.serverType !== undefined || change.location !== undefined) {
    const type = merged("serverType", current.serverType) ?? deps.policy.defaultServerType;
    const location = merged("location", current.location) ?? deps.policy.defaultLocation;
    await deps.catalog.offer(type, location);
  }
  if (change.hours !== undefined && change.hours !== null) {
    capHours(change.hours, deps.policy);
    if (change.hours > deps.policy.maxLifetimeHours) {
      throw new QuotaError(
        `A machine may live at most ${deps.policy.maxLifetimeHours} hours in all.`,
        "hours",
      );
    }
  }
  if (change.packages) checkPackageNames(change.packages, softwarePolicyOf(deps));
  checkWorkspacePrefs(deps, change);
  if (change.idleMinutes !== undefined && change.idleMinutes !== null) {
    checkIdleChoice(hibernationOf(deps), change.idleMinutes);
  }
  const patch: Partial<Record<keyof UserPrefs, unknown>> = {};
  const keys = ["serverType", "location", "hours", "packages", "saveOnExpiry", "idleMinutes"] as const;
  for (const key of [...keys, "repo", "dotfiles", "gitName", "gitEmail"] as const) {
    if (change[key] === undefined) continue;
    const value = change[key];
    patch[key] = value === null || (Array.isArray(value) && value.length === 0) ? undefined : value;
  }
  return deps.store.prefs.update(user, patch, deps.clock.now());
}
