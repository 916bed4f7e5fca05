import type { Notice } from "../core/ports/notifier.ts";
import { readyMessage } from "./block-kit/instance-blocks.ts";
import { type Block, dateToken, escapeText, plain, type SlackMessage, section } from "./block-kit/mrkdwn.ts";
import { formatUtc } from "./time.ts";

export type HibernationNotice = Extract<
  Notice,
  { kind: "idle_warning" | "hibernated" | "woken" | "wake_failed" | "hibernation_ended" }
>;

/** Action ids of the hibernation buttons; their value is only ever an instance id. */
export const HIBERNATION_ACTIONS = {
  keepRunning: "ccc_keep_running",
  hibernateNow: "ccc_hibernate_now",
  wake: "ccc_wake",
} as const;

export function isHibernationNotice(notice: Notice): notice is HibernationNotice {
  return ["idle_warning", "hibernated", "woken", "wake_failed", "hibernation_ended"].includes(notice.kind);
}

/** "4 h 20 min" of lifetime left. */
export function lifetimePhrase(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const h = Math.floor(minutes / 60);
  if (h === 0) return `${minutes} min`;
  return minutes % 60 === 0 ? `${h} h` : `${h} h ${minutes % 60} min`;
}

/** A hibernation notice in one line, for the printing notifier and the DMs' fallback text. */
export function hibernationNoticeText(notice: HibernationNotice): string {
  const { id } = notice.instance;
  switch (notice.kind) {
    case "idle_warning":
      return `${id} has been idle for a while and hibernates at ${formatUtc(notice.hibernateAt)} (snapshot kept, server deleted, wake it any time). Keep it running: ccc keep-awake ${id}; hibernate now: ccc hibernate ${id}.`;
    case "hibernated":
      return `${id} was idle, so it is hibernating: saved and its server deleted (${lifetimePhrase(notice.remainingMs)} of lifetime kept, paused). ssh will not answer while it sleeps. ${addressSentence(notice.keptAddress)}Wake it with ccc wake ${id} (until ${formatUtc(notice.wakeableUntil)}).`;
    case "woken":
      return `${id} is awake again: ssh claude@${notice.instance.ipv4} (same id and host key; expires ${formatUtc(notice.instance.expiresAt)}).`;
    case "wake_failed":
      return `${id} could not be woken (${notice.reason}); its snapshot is kept, so try again: ccc wake ${id}.`;
    case "hibernation_ended":
      return `${id} slept longer than hibernation allows, so it can no longer be woken as it was; its snapshot is kept until ${formatUtc(notice.snapshot.expiresAt)}: ccc restore ${id} makes a new machine from it.`;
  }
}

/** Whether the wake keeps the `ssh` line: said only when it is known. */
function addressSentence(kept: string | null | undefined): string {
  if (kept === undefined) return "";
  return kept
    ? `Its address ${kept} is kept: the same ssh line answers after the wake. `
    : "Its address could not be kept: after the wake it has a new one (the same host key). ";
}

function buttons(id: string, which: ("keep" | "now" | "wake")[]): Block {
  const make = {
    keep: {
      type: "button" as const,
      action_id: HIBERNATION_ACTIONS.keepRunning,
      text: plain("Keep running"),
      value: id,
    },
    now: {
      type: "button" as const,
      action_id: HIBERNATION_ACTIONS.hibernateNow,
      text: plain("Hibernate now"),
      value: id,
    },
    wake: {
      type: "button" as const,
      action_id: HIBERNATION_ACTIONS.wake,
      text: plain("Wake"),
      style: "primary" as const,
      value: id,
    },
  };
  return { type: "actions", block_id: `hibernation:${id}`, elements: which.map((w) => make[w]) };
}

/** The Wake button alone (lists, Home). */
export function wakeButton(id: string): Block {
  return buttons(id, ["wake"]);
}

/** The DM for a hibernation notice. */
export function hibernationNoticeMessage(notice: HibernationNotice, now: Date): SlackMessage {
  const { id } = notice.instance;
  const text = hibernationNoticeText(notice);
  switch (notice.kind) {
    case "idle_warning":
      return {
        text,
        blocks: [
          section(
            `:zzz: *${id}* has been idle for ${notice.idleMinutes - Math.round((notice.hibernateAt.getTime() - now.getTime()) / 60_000)} minutes and hibernates ${dateToken(notice.hibernateAt)}: ccc saves it and deletes the server; you wake it when you need it (same id, same host key).`,
          ),
          buttons(id, ["keep", "now"]),
        ],
      };
    case "hibernated":
      return {
        text,
        blocks: [
          section(
            `:sleeping: *${id}* was idle, so it is hibernating: saved, and its server deleted, so it costs only its snapshot${notice.keptAddress ? " and its address" : ""}. ${lifetimePhrase(notice.remainingMs)} of its lifetime is kept (paused). *ssh will not answer while it sleeps*: wake it first. ${escapeText(addressSentence(notice.keptAddress))}Wakeable until ${dateToken(notice.wakeableUntil)}.`,
          ),
          buttons(id, ["wake"]),
        ],
      };
    case "woken": {
      const ready = readyMessage(notice.instance, now);
      return {
        text,
        blocks: [
          section(`:sunrise: *${id}* is awake again, with the same id and host key.`),
          ...ready.blocks,
        ],
      };
    }
    case "wake_failed":
      return {
        text,
        blocks: [
          section(
            `:warning: *${id}* could not be woken: ${escapeText(notice.reason)}. Its snapshot is kept; try again.`,
          ),
          buttons(id, ["wake"]),
        ],
      };
    case "hibernation_ended":
      return {
        text,
        blocks: [
          section(
            `:floppy_disk: *${id}* slept longer than hibernation allows, so it can no longer be woken as it was. Its snapshot is kept until ${dateToken(notice.snapshot.expiresAt)}; \`/ccc restore ${id}\` makes a new machine from it.`,
          ),
        ],
      };
  }
}
