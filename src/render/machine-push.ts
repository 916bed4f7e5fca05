import type { PushOutcome } from "../core/machine/push-state.ts";

/** What an extend's answer says about the machine itself, in the terminal and in Slack alike. */
export function machinePushSentence(outcome: PushOutcome): string {
  switch (outcome.kind) {
    case "pushed":
      return "The machine shows the new time.";
    case "pending":
      return "The machine will be told when it can be reached.";
    case "alarm":
      return "ccc did not tell the machine: it showed another host key than the one pinned at install. The admins have been alerted.";
    case "skipped":
      return outcome.reason === "not-ready"
        ? "The install gives the machine the new time."
        : "The machine was installed before ccc pinned host keys, so it still shows the old time; it is deleted at the new one.";
  }
}

/** One line per retried push, for `ccc check-expired`. */
export function pushRetryLine(instanceId: string, outcome: PushOutcome): string {
  switch (outcome.kind) {
    case "pushed":
      return `${instanceId}: the machine now shows its expiry`;
    case "pending":
      return `${instanceId}: the machine was not told its expiry, retried from ${outcome.retryAt.toISOString()}: ${outcome.message}`;
    case "alarm":
      return `${instanceId}: host-key alarm, the machine was not told its expiry: ${outcome.message}`;
    case "skipped":
      return `${instanceId}: the machine is gone; its pending update was dropped`;
  }
}
