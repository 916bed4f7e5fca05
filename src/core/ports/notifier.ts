import type { Instance } from "../instances/instance.ts";
import type { ProvisionFailure } from "../provision/provision-failure.ts";
import type { Snapshot, WorkVolume } from "../store/store.ts";
import type { MachineCost } from "../usage/machine-cost.ts";

/** Something ccc tells people without being asked: reminders, deletions, alerts. */
export type Notice =
  /** To the owner: the machine expires in `minutesLeft` (with Extend and Delete buttons in Slack). */
  | {
      kind: "reminder";
      instance: Instance;
      minutesLeft: number;
      /** What the expiry does: a plain delete, or a save first (the owner's save-on-expiry preference). */
      onExpiry?: "delete" | "save";
    }
  /** To the owner: the machine was snapshotted and then deleted (`instance` is the saved machine). */
  | { kind: "saved"; instance: Instance; snapshot: Snapshot }
  /** To the owner: the snapshot failed, so the machine was kept (until its expiry). */
  | { kind: "save_failed"; instance: Instance; snapshot: Snapshot; reason: string }
  /** To the owner: the snapshot is deleted in a day unless kept longer. */
  | { kind: "snapshot_expiring"; instance: Instance; snapshot: Snapshot }
  /** To the owner: the snapshot reached the end of its retention and was deleted. */
  | { kind: "snapshot_deleted"; instance: Instance; snapshot: Snapshot }
  /** To the owner: the machine reached its expiry and was deleted. */
  | { kind: "expired"; instance: Instance; cost?: MachineCost }
  /** To the owner: the server vanished at Hetzner (deleted outside ccc); the record is closed. */
  | { kind: "server_gone"; instance: Instance; cost?: MachineCost }
  /** To the owner: a provision interrupted by a restart was resumed and the machine is ready. */
  | { kind: "ready"; instance: Instance }
  /** To the owner: a provision interrupted by a restart could not be finished; `failure` says what became of its server. */
  | { kind: "provision_abandoned"; instance: Instance; failure: ProvisionFailure }
  /** To the owner: someone else (`by`, an admin or a person who asked for them) acted on their machine. */
  | { kind: "acted_on"; instance: Instance; by: string; action: ActionOnMachine }
  /** To a guest (`to`): `by` let them into the machine; how to log in (`login`: the user name, claude by default). */
  | { kind: "shared"; instance: Instance; to: string; by: string; login?: string }
  /** To a guest (`to`): `by` wants to let them in, but ccc has no key of theirs (with a button to set one). */
  | { kind: "key_needed"; instance: Instance; to: string; by: string }
  /**
   * To a volume's owner: it is deleted at `deleteAt` unless used or kept (with a "Keep it" button in
   * Slack), or it was deleted after going unused.
   */
  | {
      kind: "volume_notice";
      event: "expiring" | "deleted";
      volume: WorkVolume;
      deleteAt: Date;
      daysLeft: number;
    }
  /** To the owner: the machine has been idle and hibernates at `hibernateAt` (Keep running, Hibernate now). */
  | { kind: "idle_warning"; instance: Instance; hibernateAt: Date; idleMinutes: number }
  /** To the owner: the idle machine was saved and its server deleted; Wake brings it back (same id, host key). */
  | {
      kind: "hibernated";
      instance: Instance;
      snapshot: Snapshot;
      remainingMs: number;
      wakeableUntil: Date;
      /** The IPv4 kept for the wake (its `ssh` line stays); null when it could not be kept. */
      keptAddress?: string | null;
    }
  /** To the owner: the hibernated machine is running again (the ready message with its ssh line). */
  | { kind: "woken"; instance: Instance }
  /** To the owner: waking failed; the snapshot is kept and the machine can be woken again. */
  | { kind: "wake_failed"; instance: Instance; reason: string }
  /** To the owner: asleep longer than the operator allows; its snapshot is now an ordinary saved one. */
  | { kind: "hibernation_ended"; instance: Instance; snapshot: Snapshot }
  /** To the admins: something an operator should know (an orphan deleted, a delete that keeps failing). */
  | { kind: "admin_alert"; text: string }
  /** To one person who asked for it: a one-time link that signs them in to the web dashboard. */
  | { kind: "sign_in_link"; user: string; url: string; expiresAt: Date }
  /** To one person about themselves, not about a machine (a budget nearly used up). */
  | { kind: "user_alert"; user: string; text: string };

/** What someone else did to a person's machine: extended it, deleted it, made it for them, or its build for them failed. */
export type ActionOnMachine =
  | { did: "extended"; hours: number }
  | { did: "deleted" }
  | { did: "provisioned" }
  | { did: "build_failed"; failure: ProvisionFailure };

/** Whom a notice about an instance is for: its owner, or the guest it names. */
export function recipientOf(notice: Extract<Notice, { instance: Instance }>): string {
  return "to" in notice ? notice.to : notice.instance.owner;
}

/**
 * What became of a notice: `sent`; `printed` when there are no Slack settings and the CLI printed what it
 * would have sent (nobody was told); `no_recipient` when there is nobody it can reach (an owner that is an
 * operator name, not a Slack user; no admins); `failed` when sending it went wrong.
 */
export type Delivery = "sent" | "printed" | "no_recipient" | "failed";

/** The notifier port: Slack DMs in the bot (and in the CLI when a bot token is set), printed lines otherwise. */
export interface Notifier {
  /** Never throws: a failed notice is logged and answered `failed`, so it cannot hold up other work. */
  notify(notice: Notice): Promise<Delivery>;
}

export const silentNotifier: Notifier = { notify: async () => "no_recipient" };
