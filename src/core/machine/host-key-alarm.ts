import type { CoreDeps } from "../deps.ts";

/**
 * A machine showed another host key than the one pinned at install: logged as an error and told to
 * the admins, whichever step met it (an extend's push, a pool claim, a claim's extras or volume).
 * `consequence` says what ccc did about it, in the admins' alert.
 */
export async function raiseHostKeyAlarm(
  deps: Pick<CoreDeps, "log" | "notifier">,
  instanceId: string,
  result: { message: string; detail: string },
  consequence: string,
): Promise<void> {
  deps.log.error("host key mismatch", { instance: instanceId, reason: result.detail });
  await deps.notifier.notify({ kind: "admin_alert", text: `${result.message} ${consequence}` });
}
