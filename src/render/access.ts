import { isSlackUserId } from "../core/identity/identity.ts";
import type { Access } from "../core/instances/access.ts";
import type { PushOutcome } from "../core/machine/push-state.ts";
import type { Delivery } from "../core/ports/notifier.ts";
import { escapeText } from "./block-kit/mrkdwn.ts";

/** "alice (owner), bob (sudo), carol (no sudo)": who may log in, for the terminal. */
export function accessText(access: readonly Access[]): string {
  return access.map((a) => (a.role === "owner" ? `${a.who} (owner)` : `${a.who}${sudoTag(a)}`)).join(", ");
}

function sudoTag(a: Access): string {
  if (a.sudo === undefined) return "";
  return a.sudo ? " (sudo)" : " (no sudo)";
}

/**
 * Exactly what a guest can do on the machine, said the same in every door: to the owner ("they") at a
 * share, to the guest ("you") in their DM. `sudo`: they log in as claude; otherwise as `login`, their own.
 */
export function guestGrants(sudo: boolean, to: "they" | "you" = "they", login = "their own account"): string {
  const they = to === "they" ? "they" : "you";
  const They = to === "they" ? "They" : "You";
  if (sudo) {
    return (
      `${They} log in as claude, with sudo: root on the machine. ${They} can read and change everything on it, ` +
      "the owner's files, SSH keys and Claude login included. Unshare removes the key and ends the SSH sessions " +
      `that logged in with it, but anything ${they} set up meanwhile (keys, services, changes in the work folder) ` +
      "stays until the machine is deleted. For less, share with --no-sudo."
    );
  }
  return (
    `${They} log in as ${login}, without sudo: ${they} can read and write the work folder (/home/claude/work) ` +
    `and nothing else of the owner's (not their home, SSH keys or Claude login), and cannot become root. Unshare ` +
    `ends every process of that account and empties its home; what ${they} put in the work folder stays.`
  );
}

/**
 * What a guest's share does with the owner's secrets (ccc secret), said in every share's answer.
 * Without sudo the guest's own account never reads the secrets file; with sudo they are root.
 */
export function guestSecretsSentence(withSecrets: boolean, sudo: boolean): string {
  if (!withSecrets) {
    return "Your secrets (ccc secret) leave the machine while they have access and come back when the last such guest is unshared; share --with-secrets to keep them.";
  }
  return sudo
    ? "With secrets: your secrets stay on the machine while they have access, and as claude they can read them (environment, /run/ccc/secrets.env)."
    : "With secrets: your secrets stay on the machine for claude while they have access; their own account cannot read them, but anyone with sudo there can.";
}

/** A person for Slack: a mention when they are a Slack user, their name otherwise. */
export function personMrkdwn(who: string): string {
  return isSlackUserId(who) ? `<@${who}>` : escapeText(who);
}

/** The same for Slack, with people named as mentions when they are Slack users. */
export function accessMrkdwn(access: readonly Access[]): string {
  return access
    .map((a) =>
      a.role === "owner" ? `${personMrkdwn(a.who)} (owner)` : `${personMrkdwn(a.who)}${sudoTag(a)}`,
    )
    .join(", ");
}

/**
 * Whether the machine accepts the changed keys yet, after a share or an unshare; `null` when the
 * share waits for the guest's key, so nothing was sent.
 */
export function keysPushSentence(outcome: PushOutcome | null): string {
  if (outcome === null) return "Nothing was sent to the machine: that share was waiting for their key.";
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

/**
 * After a share: that the guest was told how to log in, or, for a share waiting for their key,
 * that ccc asked them for one and finishes the share when they set it.
 */
export function guestToldSentence(guest: string, machine: PushOutcome | null, told: Delivery | null): string {
  if (machine === null)
    return `${guest} has no SSH key on record: ccc asked them to set one, and lets them in when they do.`;
  if (told === "sent") return `${guest} was told how to log in.`;
  if (told === "printed")
    return `${guest} was not told: there are no Slack settings here, so the message above was only printed.`;
  if (told === "failed") return `Telling ${guest} how to log in failed: tell them yourself.`;
  return "";
}
