import type { Hibernation, MachineActivityRecord } from "../core/store/store.ts";
import { lifetimePhrase } from "./hibernation-notices.ts";
import { formatUtc } from "./time.ts";

/** What status shows about a machine's activity and sleep. */
export interface IdleView {
  activity: MachineActivityRecord | null;
  /** Its sleep now (asleep or waking), if any. */
  hibernation: Hibernation | null;
  /** The IPv4 kept for its wake (the same ssh line), if any. */
  keptAddress?: string | null;
}

/** Lines for `status`: the last active time and each reason it counted as active, or its sleep. */
export function idleLines(view: IdleView): string[] {
  const lines: string[] = [];
  const h = view.hibernation;
  if (h) {
    lines.push(
      `hibernating since ${formatUtc(h.sleptAt)} (${lifetimePhrase(h.remainingMs)} of lifetime kept); ssh does not answer: ccc wake ${h.instanceId}`,
    );
    if (view.keptAddress) lines.push(`address ${view.keptAddress} kept: the same ssh line after the wake`);
    return lines;
  }
  const a = view.activity;
  if (!a) return lines;
  lines.push(`last active ${formatUtc(a.lastActiveAt)}`);
  if (a.reasons.length > 0) lines.push(`active because: ${a.reasons.join("; ")}`);
  if (a.warnedAt) lines.push(`warned at ${formatUtc(a.warnedAt)}: hibernates soon unless used or kept awake`);
  if (a.keepAwakeUntil) lines.push(`kept awake until ${formatUtc(a.keepAwakeUntil)}`);
  if (a.error) lines.push(`last activity check got no answer: ${a.error}`);
  return lines;
}

export function idleJson(view: IdleView): Record<string, unknown> {
  const a = view.activity;
  const h = view.hibernation;
  return {
    lastActiveAt: a?.lastActiveAt.toISOString() ?? null,
    activeReasons: a?.reasons ?? [],
    hibernation: h
      ? {
          state: h.state,
          sleptAt: h.sleptAt.toISOString(),
          remainingMs: h.remainingMs,
          keptAddress: view.keptAddress ?? null,
        }
      : null,
  };
}
