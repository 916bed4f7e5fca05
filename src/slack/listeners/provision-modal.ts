import type { App, BlockAction, ViewSubmitAction } from "@slack/bolt";
import { callSlack } from "../../adapters/slack/web-client.ts";
import { provisionCommand } from "../../commands/provision.ts";
import { QuotaError, UserError } from "../../core/errors.ts";
import { within } from "../../core/within.ts";
import { errorText } from "../../doors/error-text.ts";
import { followWork } from "../../doors/follow-work.ts";
import {
  FIELDS,
  MODAL_ACTIONS,
  PROVISION_CALLBACK,
  readModalState,
  refusalModal,
} from "../../render/block-kit/provision-modal.ts";
import { type BotContext, commandContext } from "../bot-context.ts";
import { provisionModalFor } from "./provision-modal-data.ts";

type ViewState = Parameters<typeof readModalState>[0];

/** A package refusal goes on the free-text field when the form has one (typed names go wrong more often). */
function packagesField(field: string, values: ViewState): string {
  if (field !== FIELDS.packages) return field;
  if (FIELDS.packagesOther in values) return FIELDS.packagesOther;
  return FIELDS.packages in values ? FIELDS.packages : FIELDS.sshKey;
}

/** The provision modal: redraws on location/type/hours changes, and validates the submission. */
export function registerProvisionModal(app: App, bot: BotContext): void {
  app.action<BlockAction>(MODAL_ACTIONS, async ({ ack, body }) => {
    await ack();
    const view = body.view;
    if (!view) return;
    const state = readModalState(view.state.values as ViewState);
    await bot.tasks.track(async () => {
      const next = await provisionModalFor(bot, body.user.id, {
        ...(state.location ? { location: state.location } : {}),
        ...(state.serverType ? { serverType: state.serverType } : {}),
        ...(state.hours ? { hours: Number(state.hours) } : {}),
        packages: state.packages,
        keepWork: state.keepWork,
        repo: state.repo,
      });
      await callSlack(bot.log, "views.update", () =>
        bot.client.views.update({ view_id: view.id, hash: view.hash, view: next }),
      );
    });
  });

  app.view<ViewSubmitAction>(PROVISION_CALLBACK, async ({ ack, body, view }) => {
    const userId = body.user.id;
    // The entered key is never logged: not here, not in errors (core's messages never echo it).
    const state = readModalState(view.state.values as ViewState);
    try {
      if (!(await within(bot.deps.catalog.load(), bot.catalogWaitMs))) {
        await ack({
          response_action: "errors",
          errors: {
            [FIELDS.serverType]: "Hetzner is slow to answer right now; press Create again in a moment.",
          },
        });
        return;
      }
      const ctx = commandContext(bot, userId);
      const started = await provisionCommand.start(ctx, {
        owner: userId,
        sshKey: state.sshKey,
        hours: state.hours,
        serverType: state.serverType,
        location: state.location,
        packages: state.packages,
        keepWork: state.keepWork,
        repo: state.repo,
      });
      await ack({ response_action: "clear" });
      bot.log.info("provision accepted", { instance: started.accepted.subject, owner: userId });
      followWork(bot, ctx, "provision", started);
    } catch (error) {
      const message = errorText(error, bot.log, "provision modal").slice(0, 1900);
      if (error instanceof QuotaError && !error.field) {
        await ack({ response_action: "update", view: refusalModal("Limit reached", message) });
        return;
      }
      // A refusal lands on its field (unknown fields on the key, at the top); a failure on the type.
      const field =
        error instanceof UserError
          ? error.field && error.field in FIELDS
            ? packagesField(error.field, view.state.values as ViewState)
            : FIELDS.sshKey
          : FIELDS.serverType;
      await ack({ response_action: "errors", errors: { [field]: message } });
    }
  });
}
