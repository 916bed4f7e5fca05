import type { Instance } from "./instances/instance.ts";
import type { ProvisionFailure } from "./provision/provision-failure.ts";
import type { MachineCost } from "./usage/machine-cost.ts";

/** Something ccc tells people without being asked: reminders, deletions, alerts. */
export type Notice =
  /** To the owner: the machine expires in `minutesLeft` (with Extend and Delete buttons in Slack). */
  | { kind: "reminder"; instance: Instance; minutesLeft: number }
  /** To the owner: the machine reached its expiry and was deleted. */
  | { kind: "expired"; instance: Instance; cost?: MachineCost }
  /** To the owner: the server vanished at Hetzner (deleted outside ccc); the record is closed. */
  | { kind: "server_gone"; instance: Instance; cost?: MachineCost }
  /** To the owner: a provision interrupted by a restart was resumed and the machine is ready. */
  | { kind: "ready"; instance: Instance }
  /** To the owner: a provision interrupted by a restart could not be finished; `failure` says what became of its server. */
  | { kind: "provision_abandoned"; instance: Instance; failure: ProvisionFailure }
  /** To the admins: something an operator should know (an orphan deleted, a delete that keeps failing). */
  | { kind: "admin_alert"; text: string }
  /** To one person about themselves, not about a machine (a budget nearly used up). */
  | { kind: "user_alert"; user: string; text: string };

/**
 * What became of a notice: `sent`; `no_recipient` when there is nobody it can reach (an owner that
 * is an operator name, not a Slack user; no admins); `failed` when sending it went wrong.
 */
export type Delivery = "sent" | "no_recipient" | "failed";

/** The notifier port: Slack DMs in the bot (and in the CLI when a bot token is set), printed lines otherwise. */
export interface Notifier {
  /** Never throws: a failed notice is logged and answered `failed`, so it cannot hold up other work. */
  notify(notice: Notice): Promise<Delivery>;
}

export const silentNotifier: Notifier = { notify: async () => "no_recipient" };
