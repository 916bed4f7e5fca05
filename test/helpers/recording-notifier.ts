import { type Delivery, type Notice, type Notifier, recipientOf } from "../../src/core/ports/notifier.ts";

/** Keeps every notice it is asked to send; `failFor` makes deliveries to one person fail. */
export class RecordingNotifier implements Notifier {
  readonly notices: Notice[] = [];
  failFor: string | null = null;

  async notify(notice: Notice): Promise<Delivery> {
    this.notices.push(notice);
    const to = "instance" in notice ? recipientOf(notice) : notice.kind === "user_alert" ? notice.user : null;
    return to !== null && to === this.failFor ? "failed" : "sent";
  }

  /** "kind instance-id" per notice (admin alerts as "admin_alert"), for compact assertions. */
  summary(): string[] {
    return this.notices.map((n) =>
      n.kind === "admin_alert" || n.kind === "sign_in_link"
        ? n.kind
        : n.kind === "user_alert"
          ? `user_alert ${n.user}`
          : n.kind === "volume_notice"
            ? `volume_${n.event} ${n.volume.hetznerId} ${n.daysLeft}`
            : n.kind === "reminder"
              ? `reminder ${n.instance.id} ${n.minutesLeft}`
              : `${n.kind} ${n.instance.id}`,
    );
  }

  clear(): void {
    this.notices.length = 0;
  }
}
