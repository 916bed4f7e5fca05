import { createHmac, timingSafeEqual } from "node:crypto";

/** How far a request's timestamp may be from our clock, either way (Slack's own rule is 5 minutes). */
export const MAX_SKEW_SECONDS = 5 * 60;

export interface SignedRequest {
  secret: string;
  /** `X-Slack-Request-Timestamp`. */
  timestamp: string | undefined;
  /** `X-Slack-Signature`. */
  signature: string | undefined;
  body: Buffer;
  nowMs: number;
}

/**
 * Slack's v0 signature: HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret.
 * Returns why the request is refused, or null when it is Slack's. A timestamp too far either way
 * is refused too: a captured request stays replayable only as long as its timestamp is accepted.
 */
export function signatureProblem(request: SignedRequest): string | null {
  const { timestamp, signature } = request;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return "missing or malformed timestamp";
  const skew = Number(timestamp) - request.nowMs / 1000;
  if (skew < -MAX_SKEW_SECONDS) return "timestamp too old";
  if (skew > MAX_SKEW_SECONDS) return "timestamp in the future";
  if (!signature || !/^v0=[0-9a-f]{64}$/.test(signature)) return "missing or malformed signature";
  const expected = createHmac("sha256", request.secret)
    .update(`v0:${timestamp}:`)
    .update(request.body)
    .digest();
  const given = Buffer.from(signature.slice(3), "hex");
  return timingSafeEqual(expected, given) ? null : "wrong signature";
}
