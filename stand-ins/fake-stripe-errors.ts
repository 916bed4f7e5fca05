// Stripe's error answers and form decoding, for the fake Stripe. Shapes follow stripe-node's
// `StripeRawError` and the API's documented error object: `{ error: { type, code?, message,
// param?, doc_url? } }`. The library turns status + type into its error classes
// (400/404 → StripeInvalidRequestError unless type is idempotency_error, 401 → authentication,
// 429 → rate limit, 5xx → StripeAPIError).

/** A Stripe error answer; thrown by the fake's handlers and turned into the HTTP reply. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: "invalid_request_error" | "idempotency_error" | "api_error",
    message: string,
    readonly extra: { code?: string; param?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }

  body(): { error: Record<string, string> } {
    const { code, param } = this.extra;
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(code
          ? { code, doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll("_", "-")}` }
          : {}),
        ...(param ? { param } : {}),
      },
    };
  }
}

export const invalid = (message: string, extra: StripeApiError["extra"] = {}) =>
  new StripeApiError(400, "invalid_request_error", message, extra);

export const missingParam = (param: string) =>
  invalid(`Missing required param: ${param}.`, { code: "parameter_missing", param });

export const unknownParam = (param: string) =>
  invalid(`Received unknown parameter: ${param}`, { code: "parameter_unknown", param });

/** A decoded v1 form body: `a=1&metadata[k]=v` → `{ a: "1", metadata: { k: "v" } }`. */
export type Form = Record<string, string | Record<string, string>>;

/** Decodes a form-encoded body or query string the way Stripe's v1 API reads it, one level of brackets deep. */
export function decodeForm(raw: string): Form {
  const form: Form = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    const nested = /^([a-z_]+)\[([^[\]]*)\]$/.exec(name);
    if (nested) {
      const [, outer = "", inner = ""] = nested;
      const existing = form[outer];
      if (typeof existing === "string") throw invalid(`Invalid ${outer}: cannot be both a value and a hash`);
      form[outer] = { ...(existing ?? {}), [inner]: value };
    } else if (/^[a-z_]+$/.test(name)) {
      if (typeof form[name] === "object") throw invalid(`Invalid ${name}: cannot be both a value and a hash`);
      form[name] = value;
    } else {
      throw invalid(`Invalid parameter name: ${name}`, { code: "parameter_unknown", param: name });
    }
  }
  return form;
}

/** The form's string field, or undefined; a hash where a string belongs is refused like Stripe does. */
export function stringField(form: Form, name: string): string | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalid(`Invalid string: {...}`, { param: name });
  return value;
}

/** The form's hash field (`metadata`, `payload`), or undefined. */
export function hashField(form: Form, name: string): Record<string, string> | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (typeof value === "string") {
    // An empty string unsets a hash in Stripe's API.
    if (value === "") return {};
    throw invalid(`Invalid hash`, { param: name });
  }
  return value;
}

/** Refuses any parameter outside `allowed`. */
export function onlyParams(form: Form, allowed: readonly string[]): void {
  for (const name of Object.keys(form)) if (!allowed.includes(name)) throw unknownParam(name);
}
