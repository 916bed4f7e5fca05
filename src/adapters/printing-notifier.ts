import { type Delivery, type Notice, type Notifier, recipientOf } from "../core/ports/notifier.ts";
import { serverOutcomeText } from "../core/provision/provision-failure.ts";
import { actedOnSentence } from "../render/acted-on.ts";
import { costSentence } from "../render/cost.ts";
import { hibernationNoticeText, isHibernationNotice } from "../render/hibernation-notices.ts";
import { isSnapshotNotice, onExpiryText, snapshotNoticeText } from "../render/snapshot-notices.ts";
import { sshCommand } from "../render/text.ts";

/** The notifier for a CLI without a Slack token: prints what would have been sent; nobody was told. */
export class PrintingNotifier implements Notifier {
  constructor(
    private readonly write: (text: string) => void,
    /** The port people's `ssh` uses (CCC_SSH_PORT); 22 when unset. */
    private readonly sshPort?: number,
  ) {}

  async notify(notice: Notice): Promise<Delivery> {
    this.write(`would ${noticeText(notice, this.sshPort)}\n`);
    return "printed";
  }
}

/** A notice in one line: to whom, and what it says. */
export function noticeText(notice: Notice, sshPort?: number): string {
  if (notice.kind === "admin_alert") return `tell the admins: ${notice.text}`;
  if (notice.kind === "user_alert") return `DM ${notice.user}: ${notice.text}`;
  if (notice.kind === "sign_in_link") return `DM ${notice.user}: your dashboard sign-in link: ${notice.url}`;
  if (notice.kind === "volume_notice") {
    const v = notice.volume;
    return notice.event === "expiring"
      ? `DM ${v.owner}: work volume ${v.hetznerId} is deleted at ${notice.deleteAt.toISOString()} unless used or kept`
      : `DM ${v.owner}: work volume ${v.hetznerId} went unused and was deleted.`;
  }
  if (isSnapshotNotice(notice)) return `DM ${notice.instance.owner}: ${snapshotNoticeText(notice)}`;
  if (isHibernationNotice(notice)) return `DM ${notice.instance.owner}: ${hibernationNoticeText(notice)}`;
  const { id, expiresAt } = notice.instance;
  const to = `DM ${recipientOf(notice)}:`;
  switch (notice.kind) {
    case "reminder": {
      const at = expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z");
      return `${to} ${id} expires in ${notice.minutesLeft} minutes (${at}). ${onExpiryText(notice.onExpiry)} Extend: ccc extend ${id} <hours>, save: ccc save ${id}, delete: ccc deprovision ${id}`;
    }
    case "ready":
      return `${to} ${id} is ready: ${sshCommand(notice.instance, sshPort)}`;
    case "expired":
      return `${to} ${id} reached its expiry and was deleted.${costSentence(notice.cost)}`;
    case "server_gone":
      return `${to} ${id}'s server was deleted outside ccc; its record is closed.${costSentence(notice.cost)}`;
    case "shared":
      return `${to} ${notice.by} let you into ${id}: ${(sshCommand(notice.instance, sshPort) ?? "").replace("claude@", `${notice.login ?? "claude"}@`)}`;
    case "acted_on":
      return `${to} ${actedOnSentence(notice, notice.by, sshPort)}`;
    case "key_needed":
      return `${to} ${notice.by} wants to let you into ${id}; set your SSH key with /ccc key (or an admin: ccc key set --user ${notice.to} --ssh-key …)`;
    case "provision_abandoned":
      return `${to} ${id} could not be finished after ccc restarted: ${notice.failure.reason}; ${serverOutcomeText(notice.failure)}.`;
  }
}
