import type { AckKind } from "../../metrics/prometheus-metrics.ts";

export type { AckKind } from "../../metrics/prometheus-metrics.ts";

/** Told how long one request waited for its ack (both receivers call it; the bot counts for /metrics). */
export type AckObserver = (kind: AckKind, seconds: number) => void;

/** Shortcuts and option requests are interactions too: they count as actions. */
export function ackKind(body: Record<string, unknown>): AckKind {
  if (typeof body.command === "string") return "command";
  if (body.type === "event_callback") return "event";
  if (body.type === "view_submission" || body.type === "view_closed") return "view";
  return "action";
}
