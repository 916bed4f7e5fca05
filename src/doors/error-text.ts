import { type CccError, ExternalError, isRefusal } from "../core/errors.ts";
import type { Logger } from "../core/ports/logger.ts";
import { userFacingFailure } from "../core/user-facing-failure.ts";

/** The short answer a user sees for an error (plain words only); everything but a refusal is logged with its detail. */
export function errorText(error: unknown, log: Logger, where: string): string {
  if (isRefusal(error)) {
    log.info("refused", { where, code: (error as CccError).code, message: (error as Error).message });
    return (error as Error).message;
  }
  if (error instanceof ExternalError) {
    log.error("external failure", { where, source: error.source, code: error.code, message: error.message });
    return `${userFacingFailure(error)} Try again in a minute; if it keeps failing, tell an admin.`;
  }
  log.error("unexpected error", {
    where,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return "Something went wrong inside ccc; the details are in its log. Try again, or tell an admin.";
}
