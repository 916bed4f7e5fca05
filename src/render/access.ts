import type { Access } from "../core/instances/access.ts";
import type { PushOutcome } from "../core/machine/push-state.ts";
import { escapeText } from "./block-kit/mrkdwn.ts";

/** "alice (owner), bob": who may log in, for the terminal. */
export function accessText(access: readonly Access[]): string {
  return access.map((a) => (a.role === "owner" ? `${a.who} (owner)` : a.who)).join(", ");
}

/** The same for Slack, with people named as mentions when they are Slack users. */
export function accessMrkdwn(access: readonly Access[]): string {
  return access
    .map((a) => {
      const who = /^[UW][A-Z0-9]+$/.test(a.who) ? `<@${a.who}>` : escapeText(a.who);
      return a.role === "owner" ? `${who} (owner)` : who;
    })
    .join(", ");
}

/** Whether the machine accepts the changed keys yet, after a share or an unshare. */
export function keysPushSentence(outcome: PushOutcome): string {
  switch (outcome.kind) {
    case "pushed":
      return "The machine has the new keys.";
    case "pending":
      return "The machine will get the new keys when it can be reached.";
    case "alarm":
      return "ccc did not send the keys: the machine showed another host key than the one pinned at install. The admins have been alerted.";
    case "skipped":
      return outcome.reason === "not-ready"
        ? "The machine is not ready; it does not have the new keys."
        : "The machine was installed before ccc pinned host keys, so ccc cannot send it keys.";
  }
}
