import type { Notice } from "../../core/ports/notifier.ts";
import type { WorkVolume } from "../../core/store/store.ts";
import { type Block, dateToken, type SlackMessage, section } from "./mrkdwn.ts";

/** Button action ids for volumes; the value is the volume's id. */
export const VOLUME_ACTIONS = {
  confirmDelete: "ccc_volume_delete",
  keep: "ccc_volume_keep",
} as const;

function button(text: string, actionId: string, value: number, style?: "danger" | "primary"): unknown {
  return {
    type: "button",
    text: { type: "plain_text", text },
    action_id: actionId,
    value: String(value),
    ...(style ? { style } : {}),
  };
}

/** "Delete volume …?" with a red button: nothing is deleted until it is pressed. */
export function volumeDeleteConfirmation(v: WorkVolume): SlackMessage {
  const id = v.hetznerId ?? 0;
  const text = `Delete volume ${id} (${v.sizeGb} GB in ${v.location}) and everything on it? This cannot be undone.`;
  return {
    text,
    blocks: [
      section(`:warning: ${text}`),
      {
        type: "actions",
        elements: [button("Delete it", VOLUME_ACTIONS.confirmDelete, id, "danger")],
      } as Block,
    ],
  };
}

/** The retention reminder: the volume goes at `deleteAt` unless used or kept. */
export function volumeReminderMessage(v: WorkVolume, deleteAt: Date, daysLeft: number): SlackMessage {
  const id = v.hetznerId ?? 0;
  const text = `Your work volume ${id} (${v.sizeGb} GB in ${v.location}) has not been used for a while and is deleted in ${daysLeft} day${daysLeft === 1 ? "" : "s"}.`;
  return {
    text,
    blocks: [
      section(
        `:floppy_disk: Your work volume *${id}* (${v.sizeGb} GB in ${v.location}) has not been used since ${dateToken(v.lastUsedAt)} and will be deleted with everything on it ${dateToken(deleteAt)}. Use it with "Keep my work", or keep it as it is:`,
      ),
      { type: "actions", elements: [button("Keep it", VOLUME_ACTIONS.keep, id, "primary")] } as Block,
    ],
  };
}

/** The DM for a volume notice. */
export function volumeNoticeMessage(notice: Extract<Notice, { kind: "volume_notice" }>): SlackMessage {
  if (notice.event === "expiring")
    return volumeReminderMessage(notice.volume, notice.deleteAt, notice.daysLeft);
  const v = notice.volume;
  const text = `Your work volume ${v.hetznerId} (${v.sizeGb} GB in ${v.location}) was not used for a long time and has been deleted.`;
  return { text, blocks: [section(`:wastebasket: ${text}`)] };
}
