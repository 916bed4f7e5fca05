import { SLACK_USER_ID } from "../../core/identity/identity.ts";
import type { Clock } from "../../core/ports/clock.ts";
import type { Logger } from "../../core/ports/logger.ts";
import { type Delivery, type Notice, type Notifier, recipientOf } from "../../core/ports/notifier.ts";
import { actedOnSentence } from "../../render/acted-on.ts";
import {
  afterFailureText,
  againButton,
  instanceButtons,
  readyMessage,
  type SlackMessage,
} from "../../render/block-kit/instance-blocks.ts";
import { dateToken, escapeText, section } from "../../render/block-kit/mrkdwn.ts";
import { keyNeededMessage, sharedMessage } from "../../render/block-kit/share-blocks.ts";
import { volumeNoticeMessage } from "../../render/block-kit/volume-blocks.ts";
import { costSentence } from "../../render/cost.ts";
import { hibernationNoticeMessage, isHibernationNotice } from "../../render/hibernation-notices.ts";
import {
  isSnapshotNotice,
  onExpiryText,
  saveButton,
  snapshotNoticeMessage,
} from "../../render/snapshot-notices.ts";
import { inTime } from "../../render/time.ts";
import { sendDm } from "../../slack/direct-message.ts";
import type { WebClient } from "./web-client.ts";

export interface SlackNotifierOptions {
  admins: readonly string[];
  clock: Clock;
  log: Logger;
  /** The port people's `ssh` uses (CCC_SSH_PORT), for the ssh lines in DMs; 22 when unset. */
  sshPort?: number;
}

/** The notifier port over Slack DMs: owners for their machines, the admins for alerts. Never throws. */
export class SlackNotifier implements Notifier {
  constructor(
    private readonly client: WebClient,
    private readonly options: SlackNotifierOptions,
  ) {}

  async notify(notice: Notice): Promise<Delivery> {
    try {
      if (notice.kind === "admin_alert") {
        const message = {
          text: notice.text,
          blocks: [section(`:rotating_light: ${escapeText(notice.text)}`)],
        };
        const sent = await Promise.all(this.options.admins.map((admin) => this.send(admin, message)));
        if (sent.includes("failed")) return "failed";
        return sent.includes("sent") ? "sent" : "no_recipient";
      }
      if (notice.kind === "user_alert") {
        return await this.send(notice.user, {
          text: notice.text,
          blocks: [section(`:money_with_wings: ${escapeText(notice.text)}`)],
        });
      }
      if (notice.kind === "sign_in_link") return await this.send(notice.user, signInLinkMessage(notice));
      if (notice.kind === "volume_notice")
        return await this.send(notice.volume.owner, volumeNoticeMessage(notice));
      return await this.send(
        recipientOf(notice),
        noticeMessage(notice, this.options.clock.now(), this.options.sshPort),
      );
    } catch (error) {
      this.options.log.error("notice failed", { kind: notice.kind, error: String(error) });
      return "failed";
    }
  }

  private async send(userId: string, message: SlackMessage): Promise<Delivery> {
    if (!SLACK_USER_ID.test(userId)) {
      this.options.log.info("notice not sent: not a Slack user", { to: userId });
      return "no_recipient";
    }
    return (await sendDm(this.client, this.options.log, userId, message)) ? "sent" : "failed";
  }
}

/** The DM with a sign-in link: the link is the secret, so the text says not to pass it on. */
export function signInLinkMessage(notice: Extract<Notice, { kind: "sign_in_link" }>): SlackMessage {
  const text = `Your sign-in link for the ccc dashboard (works once, for 10 minutes; do not share it): ${notice.url}`;
  return {
    text,
    blocks: [
      section(
        `:key: <${notice.url}|Open the ccc dashboard>. The link works once, until ${dateToken(notice.expiresAt)}; do not share it.`,
      ),
    ],
  };
}

/** The DM for a notice about one instance. */
export function noticeMessage(
  notice: Exclude<Notice, { kind: "admin_alert" | "sign_in_link" | "volume_notice" | "user_alert" }>,
  now: Date,
  sshPort?: number,
): SlackMessage {
  if (isSnapshotNotice(notice)) return snapshotNoticeMessage(notice);
  if (isHibernationNotice(notice)) return hibernationNoticeMessage(notice, now);
  const { id } = notice.instance;
  switch (notice.kind) {
    case "reminder": {
      const at = notice.instance.expiresAt;
      const text = `${id} expires in ${notice.minutesLeft} minutes.`;
      return {
        text,
        blocks: [
          section(
            `:alarm_clock: *${id}* expires ${dateToken(at)} (${inTime(at, now)}). ${onExpiryText(notice.onExpiry)}`,
          ),
          instanceButtons(id),
          saveButton(id),
        ],
      };
    }
    case "ready":
      return readyMessage(notice.instance, now, sshPort);
    case "expired": {
      const message = plainNotice(
        `:wastebasket: *${id}* reached its expiry and was deleted; nothing keeps running.${costSentence(notice.cost)}`,
      );
      return { ...message, blocks: [...message.blocks, againButton(id)] };
    }
    case "server_gone":
      return plainNotice(
        `:grey_question: *${id}*'s server was deleted outside ccc (at Hetzner), so ccc closed its record. Nothing keeps running.${costSentence(notice.cost)}`,
      );
    case "shared":
      return sharedMessage(notice.instance, notice.by, now, notice.login, sshPort);
    case "key_needed":
      return keyNeededMessage(notice.instance, notice.by);
    case "acted_on": {
      const by = SLACK_USER_ID.test(notice.by) ? `<@${notice.by}>` : escapeText(notice.by);
      const text = actedOnSentence(notice, by, sshPort);
      return { text, blocks: [section(`:information_source: ${text}`)] };
    }
    case "provision_abandoned":
      return plainNotice(
        `:x: *${id}* could not be finished after ccc restarted: ${escapeText(notice.failure.reason)}. ${escapeText(afterFailureText(notice.failure))}`,
      );
  }
}

function plainNotice(mrkdwn: string): SlackMessage {
  return { text: mrkdwn.replace(/:[a-z_]+: /, "").replaceAll("*", ""), blocks: [section(mrkdwn)] };
}
