import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import type { Clock } from "../../core/ports/clock.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { SeenRequestStore } from "../../core/store/store.ts";

/**
 * How long a request is remembered: a captured HTTP request passes the signature check while its
 * timestamp is within 5 minutes of now either way, so for at most 10 minutes after it was made.
 */
export const REPLAY_WINDOW_MS = 10 * 60_000;

/**
 * What makes one thing Slack sent that one thing: its trigger (a command, a click, a submission
 * of a view as it was) or its event id. A replay, or Slack delivering again, has the same key.
 */
export function replayKey(body: Record<string, unknown>): string | null {
  const trigger = typeof body.trigger_id === "string" ? body.trigger_id : null;
  if (typeof body.command === "string") return trigger && `command:${trigger}`;
  if (body.type === "block_actions") {
    const actions = body.actions as { action_ts?: unknown }[] | undefined;
    const actionTs = actions?.[0]?.action_ts;
    return trigger && typeof actionTs === "string" ? `action:${trigger}:${actionTs}` : null;
  }
  if (body.type === "view_submission") {
    const view = body.view as { id?: unknown; hash?: unknown } | undefined;
    return trigger && view ? `view:${String(view.id)}:${String(view.hash)}:${trigger}` : null;
  }
  if (body.type === "event_callback" && typeof body.event_id === "string") return `event:${body.event_id}`;
  return null;
}

/**
 * A Bolt global middleware (so Socket Mode is covered as well as HTTP): a request seen before is
 * acked, logged and not acted on again.
 */
export function replayGuard(
  seen: SeenRequestStore,
  clock: Clock,
  log: Logger,
): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as unknown as Record<string, unknown>;
    const key = replayKey(body);
    if (key === null || seen.firstSight(key, clock.now().getTime(), REPLAY_WINDOW_MS)) {
      await args.next();
      return;
    }
    const user = (body.user as { id?: unknown } | undefined)?.id ?? body.user_id;
    log.warn("repeated Slack request ignored", {
      kind: key.slice(0, key.indexOf(":")),
      user: typeof user === "string" ? user : null,
      ...(args.context.retryNum === undefined ? {} : { retryNum: args.context.retryNum }),
    });
    if ("ack" in args && typeof args.ack === "function") await args.ack();
  };
}
