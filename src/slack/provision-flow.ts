import { completeProvision } from "../commands/provision.ts";
import type { Instance } from "../core/instances/instance.ts";
import { alertProvisionFailure } from "../core/provision/failure-alert.ts";
import {
  creatingMessage,
  currentMessage,
  failedMessage,
  readyMessage,
} from "../render/block-kit/instance-blocks.ts";
import { type BotContext, commandContext } from "./bot-context.ts";
import { LiveDm } from "./direct-message.ts";
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
        if (progress.step !== "ready") {
          void dm.show(creatingMessage(progress.instance, progress.step, progress.detail));
        }
      });
      bot.log.info("provisioned", { instance: ready.id, owner: userId });
      await dm.show(readyMessage(ready, bot.deps.clock.now(), bot.deps.timing.sshPort), { final: true });
    } catch (error) {
      await dm.show(outcomeOfFailure(bot, recorded, error), { final: true });
    }
    await publishHome(bot, userId);
  });
}

function outcomeOfFailure(bot: BotContext, recorded: Instance, error: unknown) {
  const failure = alertProvisionFailure(bot.deps, recorded, error);
  const current = bot.deps.store.get(recorded.id);
  // Deleted by its owner (or an admin) while being built: show what is true now, not a failure.
  if (failure.deletedMeanwhile && current) return currentMessage(current, bot.deps.clock.now());
  return failedMessage(failure);
}
