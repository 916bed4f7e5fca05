import type { CoreDeps } from "../deps.ts";
import { type Instance, isRunning } from "../instances/instance.ts";
import type { Delivery } from "../ports/notifier.ts";
import type { ReminderCandidate } from "../store/store.ts";

export interface ReminderOutcome {
  instance: Instance;
  offsetMinutes: number;
  minutesLeft: number;
  /** What became of it; a failed one is not tried again (a late duplicate is worse). */
  delivery: Delivery;
}

export interface ReminderSummary {
  reminders: ReminderOutcome[];
}

const MINUTE = 60_000;

/**
 * Reminds owners at each offset (minutes before expiry): once per offset per deadline, again when
 * an extend moves the deadline, never once the instance is gone, and not for offsets that had
 * already passed when the deadline was set. The claim in `reminders_sent` comes before the send,
 * so two processes never both send one.
 */
export async function runReminders(deps: CoreDeps, offsets: readonly number[]): Promise<ReminderSummary> {
  const ascending = [...new Set(offsets)].filter((o) => o > 0).sort((a, b) => a - b);
  const summary: ReminderSummary = { reminders: [] };
  const widest = ascending.at(-1);
  if (widest === undefined) return summary;
  const now = deps.clock.now().getTime();
  for (const candidate of deps.store.reminderCandidates(now, now + widest * MINUTE)) {
    const due = dueOffsets(candidate, ascending, now);
    const [urgent, ...overtaken] = due;
    if (urgent === undefined) continue;
    // Offsets overtaken while no pass ran (a restart, a slow sweep): "in 60 minutes" with 14 to go helps nobody.
    for (const offset of overtaken) deps.store.claimReminder(candidate.id, candidate.expiresAt, offset, now);
    if (!deps.store.claimReminder(candidate.id, candidate.expiresAt, urgent, now)) continue;
    const instance = deps.store.get(candidate.id);
    if (!instance || instance.expiresAt.getTime() !== candidate.expiresAt || !isRunning(instance.status)) {
      // Extended or deleted since the query: the next pass sees the new state.
      deps.store.unclaimReminder(candidate.id, candidate.expiresAt, urgent);
      continue;
    }
    const minutesLeft = Math.max(1, Math.round((candidate.expiresAt - now) / MINUTE));
    const onExpiry = deps.store.prefs.get(instance.owner).saveOnExpiry ? "save" : "delete";
    const delivery = await deps.notifier.notify({ kind: "reminder", instance, minutesLeft, onExpiry });
    deps.store.recordEvent(instance.id, {
      actor: "ccc",
      kind: {
        sent: "reminded",
        printed: "reminder_printed",
        no_recipient: "reminder_not_sent",
        failed: "reminder_failed",
      }[delivery],
      detail: `${urgent} min before ${instance.expiresAt.toISOString()}`,
    });
    summary.reminders.push({ instance, offsetMinutes: urgent, minutesLeft, delivery });
  }
  return summary;
}

/** Unsent offsets whose moment has come for this deadline, most urgent (smallest) first. */
export function dueOffsets(
  candidate: ReminderCandidate,
  ascending: readonly number[],
  now: number,
): number[] {
  const deadlineSetAt = Math.max(candidate.createdAt, candidate.extendedAt ?? 0);
  return ascending.filter((offset) => {
    const moment = candidate.expiresAt - offset * MINUTE;
    return moment <= now && moment > deadlineSetAt && !candidate.sentOffsets.includes(offset);
  });
}
