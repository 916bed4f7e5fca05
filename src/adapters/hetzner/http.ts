import type * as z from "zod";
import { ExternalError } from "../../core/errors.ts";
import type { Clock } from "../../core/ports/clock.ts";
import { backoffDelay, type RetryOptions } from "./backoff.ts";
import type { HetznerExchange } from "./request-metrics.ts";
import { errorBodySchema } from "./schemas.ts";

/** Hetzner's rate-limit headers from the last response that carried them. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** When the bucket is full again. */
  reset: Date;
}

export interface HttpOptions {
  endpoint: string;
  token: string;
  clock: Clock;
  fetch: typeof fetch;
  retry: RetryOptions;
  random: () => number;
  userAgent: string;
  /** A request that has not answered by then counts as a network error (and is retried). */
  timeoutMs: number;
  /** Told of every attempt (metrics); never changes what the request does. */
  onExchange?: ((exchange: HetznerExchange) => void) | undefined;
}

export interface RequestOptions {
  /** An array value repeats the parameter (`id=1&id=2`). */
  query?: Record<string, string | number | undefined | readonly (string | number)[]>;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

// Rate limits and `conflict` (a concurrent change) clear up on their own; so do gateway errors.
const RETRYABLE_CODES = new Set(["rate_limit_exceeded", "conflict"]);
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

/** One Hetzner API call with retries: the transport under HetznerClient. */
export class HetznerHttp {
  requestCount = 0;
  rateLimit: RateLimitState | null = null;
  private readonly base: string;

  constructor(private readonly opts: HttpOptions) {
    this.base = opts.endpoint.replace(/\/+$/, "");
  }

  async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    options: RequestOptions = {},
  ): Promise<z.infer<S>> {
    const text = await this.send(method, path, options);
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch (cause) {
      throw new ExternalError("hetzner", "invalid_response", `${method} ${path}: response is not JSON`, {
        cause,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ExternalError(
        "hetzner",
        "invalid_response",
        `${method} ${path}: unexpected response shape: ${parsed.error.message}`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }

  /** Sends until a 2xx (returning its body text), a final error, or retries run out. */
  private async send(method: string, path: string, options: RequestOptions): Promise<string> {
    const { signal } = options;
    const url = this.url(path, options.query);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.opts.token}`,
      "user-agent": this.opts.userAgent,
      accept: "application/json",
    };
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) headers["content-type"] = "application/json";

    for (let attempt = 0; ; attempt++) {
      const retriesLeft = attempt < this.opts.retry.maxRetries;
      let status = 0; // 0 until an answer comes
      let text: string;
      try {
        this.requestCount++;
        const timeout = AbortSignal.timeout(this.opts.timeoutMs);
        const response = await this.opts.fetch(url, {
          method,
          headers,
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        this.recordRateLimit(response.headers);
        status = response.status;
        this.report(method, path, status);
        text = await response.text();
      } catch (cause) {
        // Counted even when the caller gave up on it: the request may well have reached Hetzner.
        if (status === 0) this.report(method, path, null);
        // An abort is the caller's decision, not a flaky network: never retried, never wrapped.
        if (signal?.aborted) throw signal.reason;
        if (retriesLeft) {
          await this.backoff(attempt, signal);
          continue;
        }
        const detail = cause instanceof Error ? cause.message : String(cause);
        throw new ExternalError("hetzner", "network_error", `${method} ${path}: ${detail}`, { cause });
      }
      if (status >= 200 && status < 300) return text;
      const error = toExternalError(status, text);
      if (retriesLeft && (RETRYABLE_CODES.has(error.code) || RETRYABLE_STATUSES.has(status))) {
        await this.backoff(attempt, signal);
        continue;
      }
      throw error;
    }
  }

  private report(method: string, path: string, status: number | null): void {
    try {
      this.opts.onExchange?.({ method, path, status, rateLimitRemaining: this.rateLimit?.remaining ?? null });
    } catch {
      // Counting must never turn an answer into a failure (and a retry).
    }
  }

  private backoff(attempt: number, signal: AbortSignal | undefined): Promise<void> {
    return this.opts.clock.sleep(backoffDelay(attempt, this.opts.retry, this.opts.random), signal);
  }

  private url(path: string, query: RequestOptions["query"]): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
    }
    const qs = params.toString();
    return `${this.base}${path}${qs ? `?${qs}` : ""}`;
  }

  private recordRateLimit(headers: Headers): void {
    const values = ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"].map((name) =>
      headers.get(name),
    );
    if (values.some((v) => v === null || v.trim() === "")) return;
    const [limit = 0, remaining = 0, reset = 0] = values.map(Number);
    if ([limit, remaining, reset].some(Number.isNaN)) return;
    this.rateLimit = { limit, remaining, reset: new Date(reset * 1000) };
  }
}

function toExternalError(status: number, text: string): ExternalError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = errorBodySchema.safeParse(json);
  if (parsed.success) {
    return new ExternalError("hetzner", parsed.data.error.code, parsed.data.error.message, {
      status,
      cause: parsed.data.error,
    });
  }
  const snippet = text.trim().slice(0, 200);
  return new ExternalError("hetzner", `http_${status}`, `HTTP ${status}${snippet ? `: ${snippet}` : ""}`, {
    status,
  });
}
