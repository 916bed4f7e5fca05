import type { Delivery, Notice, Notifier } from "../core/notifier.ts";
import { serverOutcomeText } from "../core/provision/provision-failure.ts";
import { costSentence } from "../render/cost.ts";

/** The notifier for a CLI without a Slack token: prints what would have been sent, and counts it as done. */
export class PrintingNotifier implements Notifier {
  constructor(private readonly write: (text: string) => void) {}

  async notify(notice: Notice): Promise<Delivery> {
    this.write(`would ${noticeText(notice)}\n`);
    return "sent";
  }
}

/** A notice in one line: to whom, and what it says. */
export function noticeText(notice: Notice): string {
  if (notice.kind === "admin_alert") return `tell the admins: ${notice.text}`;
  if (notice.kind === "user_alert") return `DM ${notice.user}: ${notice.text}`;
  const { id, owner, expiresAt } = notice.instance;
  const to = `DM ${owner}:`;
  switch (notice.kind) {
    case "reminder": {
      const at = expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z");
      return `${to} ${id} expires in ${notice.minutesLeft} minutes (${at}); extend: ccc extend ${id} <hours>, delete: ccc deprovision ${id}`;
    }
    case "ready":
      return `${to} ${id} is ready: ssh claude@${notice.instance.ipv4}`;
    case "expired":
      return `${to} ${id} reached its expiry and was deleted.${costSentence(notice.cost)}`;
    case "server_gone":
      return `${to} ${id}'s server was deleted outside ccc; its record is closed.${costSentence(notice.cost)}`;
    case "provision_abandoned":
      return `${to} ${id} could not be finished after ccc restarted: ${notice.failure.reason}; ${serverOutcomeText(notice.failure)}.`;
  }
}
