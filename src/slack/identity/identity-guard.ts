import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import { type Identity, LOOKUP_FAILED, type Requester } from "../../core/identity/identity.ts";
import type { Logger } from "../../core/ports/logger.ts";
import { within } from "../../core/within.ts";
import { refusalModal } from "../../render/block-kit/provision-modal.ts";

/** A cold `users.info` must leave time to ack within Slack's 3 s. */
const LOOKUP_WAIT_MS = 2_000;

/** Who sent a request, from the fields each kind of payload carries; null for one without a person. */
export function requesterOf(body: Record<string, unknown>): Requester | null {
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  const user = body.user as { id?: unknown; team_id?: unknown } | undefined;
  const team = body.team as { id?: unknown } | null | undefined;
  const enterprise = body.enterprise as { id?: unknown } | null | undefined;
  if (typeof body.command === "string") {
    const userId = text(body.user_id);
    return userId === null
      ? null
      : { userId, door: "slack", teamId: text(body.team_id), enterpriseId: text(body.enterprise_id) };
  }
  if (body.type === "event_callback") {
    const event = body.event as { user?: unknown } | undefined;
    const userId = text(event?.user);
    return userId === null
      ? null
      : { userId, door: "slack", teamId: text(body.team_id), enterpriseId: text(body.enterprise_id) };
  }
  const userId = text(user?.id);
  if (!userId) return null;
  return {
    userId,
    door: "slack",
    teamId: text(team?.id) ?? text(user?.team_id),
    enterpriseId: text(enterprise?.id),
  };
}

/**
 * A Bolt global middleware, so slash commands, the form, buttons and events all pass it in both
 * Socket Mode and HTTP: a request from another workspace, a guest's (unless allowed) or a
 * deactivated account's is answered with why and goes no further.
 */
export function identityGuard(identity: Identity, log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as unknown as Record<string, unknown>;
    const requester = requesterOf(body);
    if (requester === null) {
      await args.next();
      return;
    }
    const verdict = (await within(identity.check(requester), LOOKUP_WAIT_MS)) ?? LOOKUP_FAILED;
    if (verdict.ok) {
      await args.next();
      return;
    }
    log.warn("slack request refused", {
      reason: verdict.reason,
      user: requester.userId,
      team: requester.teamId,
    });
    await answer(args, body, verdict.message);
  };
}

async function answer(
  args: AnyMiddlewareArgs,
  body: Record<string, unknown>,
  message: string,
): Promise<void> {
  const ack =
    "ack" in args && typeof args.ack === "function" ? (args.ack as (r?: unknown) => Promise<void>) : null;
  if (typeof body.command === "string") {
    await ack?.({ response_type: "ephemeral", text: message });
  } else if (body.type === "view_submission") {
    await ack?.({ response_action: "update", view: refusalModal("Not allowed", message) });
  } else {
    await ack?.();
    // Buttons on a message can be answered there; events and Home tab buttons have nowhere to say it.
    if ("respond" in args && typeof args.respond === "function") {
      await args
        .respond({ response_type: "ephemeral", replace_original: false, text: message })
        .catch(() => {});
    }
  }
}
