/**
 * What one HTTP request may cost the bot. Slack sends small bodies at once; anything slower or
 * bigger is a client we should not be holding memory or a connection for.
 */
export interface HttpLimits {
  /** Largest body read, checked on `content-length` and again while streaming. */
  bodyLimitBytes: number;
  /** The headers must have arrived within this long of the connection opening. */
  headersTimeoutMs: number;
  /** The whole request, body included, must have arrived within this long. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive. */
  maxConnections: number;
  /** How often the timeouts above are checked (Node's default of 30 s would let them slip). */
  checkIntervalMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  // An admin's App Home with 40 machines makes a block_actions payload of about 75 KB
  // (form-encoded JSON): 64 KB would refuse their clicks. Nothing ccc is sent comes near 256 KB.
  bodyLimitBytes: 256 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  // 256 connections at most 256 KB each: 64 MB at worst, whatever a flood sends.
  maxConnections: 256,
  checkIntervalMs: 500,
};
