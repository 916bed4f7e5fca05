import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import type { Instance } from "../instances/instance.ts";
import type { HibernationSettings } from "./hibernation-settings.ts";

export { DEFAULT_HIBERNATION, type HibernationSettings } from "./hibernation-settings.ts";

export function hibernationOf(deps: Pick<CoreDeps, "hibernation">): HibernationSettings {
  return deps.hibernation;
}

/** A chosen idle limit as typed: minutes, or `never` (answered as 0). */
export function parseIdleMinutes(value: string | number): number {
  const text = String(value).trim().toLowerCase();
  if (text === "never" || text === "off") return 0;
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) < 10) {
    throw new UserError(`idle takes minutes (10 or more) or "never", not "${text.slice(0, 20)}".`, {
      field: "idle",
    });
  }
  return Number(text);
}

/** Refuses a chosen limit beyond the operator's cap (a UserError naming it); 0 is `never`. */
export function checkIdleChoice(settings: HibernationSettings, minutes: number): void {
  const cap = settings.maxIdleMinutes;
  if (cap === null) return;
  if (minutes === 0 || minutes > cap) {
    throw new UserError(
      `The operator lets machines idle at most ${cap} minutes before they hibernate; choose ${cap} or less.`,
      { field: "idle", code: "idle_cap" },
    );
  }
}

/**
 * The idle limit that applies to a machine in ms, or null when it never hibernates: the machine's own
 * (`provision --idle`), else its owner's (`prefs set idle=…`), else the operator's; within the cap.
 */
export function idleLimitMs(deps: CoreDeps, instance: Instance): number | null {
  const settings = hibernationOf(deps);
  if (settings.idleMinutes === 0) return null;
  const own = deps.store.hibernation.activity(instance.id)?.idleMinutes ?? null;
  const chosen = own ?? deps.store.prefs.get(instance.owner).idleMinutes ?? settings.idleMinutes;
  const cap = settings.maxIdleMinutes;
  const minutes = cap === null ? chosen : chosen === 0 ? cap : Math.min(chosen, cap);
  return minutes === 0 ? null : minutes * 60_000;
}
