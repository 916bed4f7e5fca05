import * as z from "zod";
import { type ReminderSummary, runReminders } from "../core/lifecycle/reminders.ts";
import { defineCommand } from "./command.ts";

/** Minutes before expiry at which owners are reminded. */
export const remindInput = z.object({ offsets: z.array(z.number().int().min(0)) });

const DELIVERY_NOTE = {
  sent: "",
  printed: " — printed here, not sent: no Slack settings",
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

export function remindJson(summary: ReminderSummary) {
  return summary.reminders.map((r) => ({
    id: r.instance.id,
    owner: r.instance.owner,
    offsetMinutes: r.offsetMinutes,
    minutesLeft: r.minutesLeft,
    delivery: r.delivery,
  }));
}

/** The reminder pass once, at the configured offsets. */
export const remindCommand = defineCommand({
  name: "remind",
  summary: "remind owners whose machines expire within CCC_REMIND_MINUTES (run it every minute)",
  input: remindInput,
  audience: "admin",
  run: (ctx, input) => runReminders(ctx.deps, input.offsets),
  text: remindText,
  json: remindJson,
  failed: remindFailed,
  doors: {
    cli: {
      needs: { notifies: true },
      examples: ["CCC_REMIND_MINUTES=60,15 ccc remind"],
      input: ({ config }) => ({ offsets: [...config.lifecycle.remindMinutes] }),
    },
  },
});
