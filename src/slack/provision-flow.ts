import { completeProvision } from "../commands/provision.ts";
import { ExternalError } from "../core/errors.ts";
import type { Instance } from "../core/instance.ts";
import { ProvisionError } from "../core/run-provision.ts";
import { userFacingCleanup, userFacingFailure } from "../core/user-facing-failure.ts";
import {
  cleanupSucceeded,
  creatingMessage,
  currentMessage,
  failedMessage,
  readyMessage,
} from "./blocks/instance-blocks.ts";
import { type BotContext, commandContext } from "./bot-context.ts";
import { LiveDm } from "./direct-message.ts";
import { errorText } from "./errors.ts";
import { publishHome } from "./home.ts";

/**
 * After the modal closed: DMs "being created" at once, updates that message at each step, and ends
 * it with the ready card or what failed. Slack failures are logged and never stop the build.
 */
export function startProvisionFlow(bot: BotContext, userId: string, recorded: Instance): void {
  bot.tasks.run(`provision ${recorded.id}`, async () => {
    const dm = new LiveDm(bot.client, bot.log, userId);
    void dm.show(creatingMessage(recorded, null));
    try {
      const ready = await completeProvision(commandContext(bot, userId), recorded, (progress) => {
        if (progress.step !== "ready") void dm.show(creatingMessage(progress.instance, progress.step));
      });
      bot.log.info("provisioned", { instance: ready.id, owner: userId });
      await dm.show(readyMessage(ready, bot.deps.clock.now()), { final: true });
    } catch (error) {
      await dm.show(outcomeOfFailure(bot, recorded, error), { final: true });
    }
    await publishHome(bot, userId);
  });
}

function outcomeOfFailure(bot: BotContext, recorded: Instance, error: unknown) {
  const now = bot.deps.clock.now();
  const current = bot.deps.store.get(recorded.id);
  // Deleted by its owner (or an admin) while being built: show what is true now, not a failure.
  if (error instanceof ExternalError && error.code === "deleted_meanwhile" && current) {
    return currentMessage(current, now);
  }
  if (error instanceof ProvisionError) {
    // The admins get the detail (the installer's lines, its log, Hetzner's words); the owner plain words.
    void bot.deps.notifier.notify({
      kind: "admin_alert",
      text: cleanupSucceeded(error.cleanup)
        ? `${recorded.id} (owner ${recorded.owner}) failed to provision: ${error.reason}; ${error.cleanup}`
        : `${recorded.id} (owner ${recorded.owner}) failed to provision and its server could not be deleted: ${error.reason}; ${error.cleanup}`,
    });
    return failedMessage(recorded.id, userFacingFailure(error), userFacingCleanup(error.cleanup));
  }
  const reason = errorText(error, bot.log, "provision");
  void bot.deps.notifier.notify({
    kind: "admin_alert",
    text: `${recorded.id} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
  });
  return failedMessage(
    recorded.id,
    reason,
    "deleting the server failed or was not tried; the reconciler will check",
  );
}
