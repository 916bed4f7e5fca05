// Fault injection for the fake Stripe: what Stripe answers when it is overloaded or failing.
import type { ServerResponse } from "node:http";
import type { RequestMatcher } from "./fault-queue.ts";

export type StripeFault =
  | { status: 429; reason?: "rate_limit" | "lock_timeout" }
  | { status: 500 | 502 | 503 | 504; shouldRetry?: boolean }
  /** The connection is closed before anything is done. */
  | { reset: true }
  /** The work is done, then the connection drops before the answer. */
  | { lostAnswer: true };

/** Which requests a Stripe fault is for (the same matcher as the fake Hetzner's). */
export type StripeRequestMatcher = RequestMatcher;

export function sendFault(res: ServerResponse, fault: Extract<StripeFault, { status: number }>): void {
  if (fault.status === 429) {
    // Stripe marks a lock timeout as worth retrying; a plain rate limit it does not, and the
    // library then gives up at once (stripe-node retries 429 only on that header).
    const lockTimeout = fault.reason === "lock_timeout";
    if (lockTimeout) res.setHeader("Stripe-Should-Retry", "true");
    const error = lockTimeout
      ? {
          code: "lock_timeout",
          message:
            "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. If you see this error frequently and are making multiple concurrent requests to a single object, make your requests serially or at a lower rate.",
        }
      : {
          code: "rate_limit",
          message:
            "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
        };
    const docUrl = `https://stripe.com/docs/error-codes/${error.code.replace("_", "-")}`;
    send(res, 429, { error: { type: "invalid_request_error", ...error, doc_url: docUrl } });
    return;
  }
  if (fault.shouldRetry !== undefined) res.setHeader("Stripe-Should-Retry", String(fault.shouldRetry));
  send(res, fault.status, { error: { type: "api_error", message: "An unknown error occurred" } });
}

export function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}
