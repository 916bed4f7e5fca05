import { CccError, ExternalError, ForbiddenError, NotFoundError, UserError } from "../core/errors.ts";
import type { Logger } from "../core/ports/logger.ts";
import { userFacingFailure } from "../core/user-facing-failure.ts";
import { HttpError } from "../http/http-error.ts";
import { REFUSAL_STATUS } from "../http/refusal-status.ts";

/** One answer other than 2xx, in the API's one error shape. */
export interface ApiError {
  status: number;
  code: string;
  message: string;
  field?: string;
}

/** The one place the core's errors become the API's answers (refusals' statuses: REFUSAL_STATUS). */
export function apiErrorOf(error: unknown, log: Logger, where: string): ApiError {
  if (error instanceof HttpError)
    return { status: error.status, code: httpCode(error.status), message: error.message };
  if (error instanceof UserError) {
    log.info("refused", { where, code: error.code, message: error.message });
    return {
      status: REFUSAL_STATUS[error.code],
      code: error.code,
      message: error.message,
      ...(error.field ? { field: error.field } : {}),
    };
  }
  if (error instanceof NotFoundError || error instanceof ForbiddenError) {
    return { status: REFUSAL_STATUS[error.code], code: error.code, message: error.message };
  }
  if (error instanceof ExternalError) {
    log.error("external failure", { where, source: error.source, code: error.code, message: error.message });
    return {
      status: 502,
      code: "upstream_failed",
      message: `${userFacingFailure(error)} Try again in a minute.`,
    };
  }
  log.error("unexpected error", {
    where,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    ...(error instanceof CccError ? { code: error.code } : {}),
  });
  return {
    status: 500,
    code: "internal",
    message: "Something went wrong inside ccc; the details are in its log.",
  };
}

/** The code for an answer the HTTP layer itself chose. */
export function httpCode(status: number): string {
  return HTTP_CODES[status] ?? "error";
}

const HTTP_CODES: Record<number, string> = {
  400: "malformed",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  408: "timeout",
  413: "too_large",
  429: "rate_limited",
  500: "internal",
  503: "unavailable",
  504: "timeout",
};

export function errorBody(error: ApiError): string {
  const { status: _, ...fields } = error;
  return JSON.stringify({ error: fields });
}
