import { type ReminderSummary, runReminders } from "../core/lifecycle/reminders.ts";
import type { CommandContext } from "./context.ts";

/** Runs the reminder pass once at the configured offsets (minutes before expiry). */
export function remind(ctx: CommandContext, input: { offsets: readonly number[] }): Promise<ReminderSummary> {
  return runReminders(ctx.deps, input.offsets);
}

export function remindText(summary: ReminderSummary): string {
  if (summary.reminders.length === 0) return "No reminder is due.";
  return summary.reminders
    .map(
      (r) =>
        `${r.instance.id}: reminded ${r.instance.owner} (${r.offsetMinutes}-minute reminder, ${r.minutesLeft} min left)${r.delivered ? "" : " — not delivered"}`,
    )
    .join("\n");
}
