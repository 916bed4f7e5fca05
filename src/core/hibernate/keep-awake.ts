import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import { type Actor, instanceFor } from "../instances/actor.ts";
import type { Instance } from "../instances/instance.ts";
import type { MachineActivityRecord } from "../store/store.ts";
import { idleLimitMs } from "./idle-policy.ts";

/** The longest keep-awake one request may ask for. */
export const MAX_KEEP_AWAKE_HOURS = 24;

export interface KeepAwakeResult {
  instance: Instance;
  record: MachineActivityRecord;
  /** The idle limit that applies now, in ms; null when the machine never hibernates. */
  idleLimitMs: number | null;
}

/**
 * "Keep running": the idle clock starts again now (one more idle period) and a warning is withdrawn;
 * with `hours`, the machine also counts as active until then (a long build the check cannot see).
 */
export function keepAwake(deps: CoreDeps, actor: Actor, id: string, hours?: number): KeepAwakeResult {
  const instance = instanceFor(deps.store, actor, id, "keep awake");
  if (instance.status !== "ready" && instance.status !== "creating" && instance.status !== "installing") {
    throw new UserError(`${instance.id} is ${instance.status}; only a running machine can be kept awake.`, {
      code: "not_ready",
    });
  }
  if (hours !== undefined && (hours <= 0 || hours > MAX_KEEP_AWAKE_HOURS)) {
    throw new UserError(`keep-awake takes 1 to ${MAX_KEEP_AWAKE_HOURS} hours.`, { field: "hours" });
  }
  const now = deps.clock.now();
  const until = hours === undefined ? null : new Date(now.getTime() + hours * 3_600_000);
  const record = deps.store.hibernation.keepRunning(instance.id, now, until);
  deps.store.recordEvent(instance.id, {
    actor: actor.id,
    kind: "kept_awake",
    detail: until ? `until ${until.toISOString()}` : "one more idle period",
  });
  return { instance, record, idleLimitMs: idleLimitMs(deps, instance) };
}
