import type { Notice } from "../core/ports/notifier.ts";
import { type Block, dateToken, escapeText, plain, type SlackMessage, section } from "./block-kit/mrkdwn.ts";
import { formatUtc } from "./time.ts";

type SnapshotNotice = Extract<
  Notice,
  { kind: "saved" | "save_failed" | "snapshot_expiring" | "snapshot_deleted" }
>;

/** Action ids of the snapshot buttons; their value is only ever an instance (snapshot) id. */
export const SNAPSHOT_ACTIONS = {
  save: "ccc_save",
  keep: "ccc_snapshot_keep",
} as const;

export function isSnapshotNotice(notice: Notice): notice is SnapshotNotice {
  return ["saved", "save_failed", "snapshot_expiring", "snapshot_deleted"].includes(notice.kind);
}

/** "Save & delete": snapshot the machine, then delete it. */
export function saveButton(id: string): Block {
  return {
    type: "actions",
    block_id: `instance_save:${id}`,
    elements: [
      {
        type: "button",
        action_id: SNAPSHOT_ACTIONS.save,
        text: plain("Save & delete"),
        value: id,
        confirm: {
          title: plain("Save and delete this machine?"),
          text: plain(
            `ccc takes a snapshot of ${id} (about a minute), then deletes it. /ccc restore ${id} brings it back.`,
          ),
          confirm: plain("Save & delete"),
          deny: plain("Cancel"),
        },
      },
    ],
  };
}

/** The reminder's line on what the expiry does. */
export function onExpiryText(onExpiry: "delete" | "save" | undefined): string {
  return onExpiry === "save"
    ? "ccc then saves it (a snapshot you can restore) and deletes it."
    : "It will then be deleted with everything on it.";
}

/** A snapshot notice in one line, for the printing notifier. */
export function snapshotNoticeText(notice: SnapshotNotice): string {
  const { id } = notice.instance;
  const until = formatUtc(notice.snapshot.expiresAt);
  switch (notice.kind) {
    case "saved":
      return `${id} was saved and deleted; restore it with ccc restore ${id} (kept until ${until}).`;
    case "save_failed":
      return `${id} could not be saved (${notice.reason}); it keeps running until its expiry.`;
    case "snapshot_expiring":
      return `the snapshot ${id} is deleted at ${until}; keep it longer: ccc snapshot keep ${id}.`;
    case "snapshot_deleted":
      return `the snapshot ${id} reached the end of its retention and was deleted.`;
  }
}

/** The DM for a snapshot notice. */
export function snapshotNoticeMessage(notice: SnapshotNotice): SlackMessage {
  const { id } = notice.instance;
  const until = dateToken(notice.snapshot.expiresAt);
  const text = snapshotNoticeText(notice);
  switch (notice.kind) {
    case "saved":
      return {
        text,
        blocks: [
          section(
            `:floppy_disk: *${id}* was saved and deleted. \`/ccc restore ${id}\` brings it back; the snapshot is kept until ${until}.`,
          ),
        ],
      };
    case "save_failed":
      return {
        text,
        blocks: [
          section(
            `:warning: *${id}* could not be saved: ${escapeText(notice.reason)}. It was *not* deleted and keeps running until its expiry.`,
          ),
        ],
      };
    case "snapshot_expiring":
      return {
        text,
        blocks: [
          section(`:hourglass: The snapshot *${id}* will be deleted ${until}.`),
          {
            type: "actions",
            block_id: `snapshot_keep:${id}`,
            elements: [
              {
                type: "button",
                action_id: SNAPSHOT_ACTIONS.keep,
                text: plain("Keep 7 more days"),
                value: id,
              },
            ],
          },
        ],
      };
    case "snapshot_deleted":
      return {
        text,
        blocks: [
          section(`:wastebasket: The snapshot *${id}* reached the end of its retention and was deleted.`),
        ],
      };
  }
}
