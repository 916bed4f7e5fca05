import { type ReminderSummary, runReminders } from "../core/lifecycle/reminders.ts";
import type { CommandContext } from "./context.ts";

/** Runs the reminder pass once at the configured offsets (minutes before expiry). */
export function remind(ctx: CommandContext, input: { offsets: readonly number[] }): Promise<ReminderSummary> {
  return runReminders(ctx.deps, input.offsets);
}

const DELIVERY_NOTE = {
  sent: "",
  no_recipient: " — not sent: the owner is not a Slack user",
  failed: " — sending it failed",
} as const;

/** True when a reminder could not be sent: the CLI exits 1. */
export function remindFailed(summary: ReminderSummary): boolean {
  return summary.reminders.some((r) => r.delivery === "failed");
}

export function remindText(summary: ReminderSummary): string {
  if (summary.reminders.length === 0) return "No reminder is due.";
  return summary.reminders
    .map(
      (r) =>
        `${r.instance.id}: reminded ${r.instance.owner} (${r.offsetMinutes}-minute reminder, ${r.minutesLeft} min left)${DELIVERY_NOTE[r.delivery]}`,
    )
    .join("\n");
}
