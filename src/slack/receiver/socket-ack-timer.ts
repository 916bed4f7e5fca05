import type { SocketModeClient } from "@slack/socket-mode";
import { type AckObserver, ackKind } from "./ack-kind.ts";

/** Envelopes never acked (no listener took them) must not pile up. */
const MAX_PENDING = 1_000;

/**
 * Times Socket Mode acks from the envelope's arrival to the ack going out on the socket. A Bolt
 * middleware cannot: it gets a copy of the arguments, so it never sees the listener call `ack`.
 * Bolt's own `slack_event` listener comes first but reaches an ack only after authorizing (an
 * await), so the arrival is always recorded first.
 */
export function timeSocketAcks(client: SocketModeClient, onAck: AckObserver): void {
  const pending = new Map<string, { kind: ReturnType<typeof ackKind>; arrived: number }>();
  client.on("slack_event", (event: { envelope_id?: unknown; body?: unknown }) => {
    if (typeof event.envelope_id !== "string" || typeof event.body !== "object" || event.body === null)
      return;
    if (pending.size >= MAX_PENDING) {
      const oldest = pending.keys().next().value;
      if (oldest !== undefined) pending.delete(oldest);
    }
    pending.set(event.envelope_id, {
      kind: ackKind(event.body as Record<string, unknown>),
      arrived: performance.now(),
    });
  });
  client.on("outgoing_message", (message: { envelope_id?: unknown }) => {
    if (typeof message.envelope_id !== "string") return;
    const started = pending.get(message.envelope_id);
    if (!started) return;
    pending.delete(message.envelope_id);
    onAck(started.kind, (performance.now() - started.arrived) / 1000);
  });
}
