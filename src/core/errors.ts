/** Base of every error ccc expects; anything else reaching an entry point is a bug. */
export abstract class CccError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input or a policy refusal, raised before any work; the message is safe to show to the user. */
export class UserError extends CccError {
  readonly code: string;
  /** The input field the message is about (a CLI flag or a modal block), when there is one. */
  readonly field: string | undefined;
  constructor(message: string, options?: { code?: string; field?: string; cause?: unknown }) {
    super(message, options);
    this.code = options?.code ?? "invalid_input";
    this.field = options?.field;
  }
}

/** Over a limit (instances per user, hours): a refusal before any work, like UserError. */
export class QuotaError extends UserError {
  constructor(message: string, field?: string) {
    super(message, { code: "quota_exceeded", ...(field ? { field } : {}) });
  }
}

export class NotFoundError extends CccError {
  readonly code = "not_found";
}

export class ForbiddenError extends CccError {
  readonly code = "forbidden";
}

/** Something outside failed while working: Hetzner, the installer, SSH. */
export class ExternalError extends CccError {
  readonly code: string;
  /** Which outside thing failed. */
  readonly source: "hetzner" | "installer" | "ssh" | "slack" | "stripe";
  /** HTTP status for Hetzner errors. */
  readonly status: number | undefined;
  constructor(
    source: ExternalError["source"],
    code: string,
    message: string,
    options?: { status?: number; cause?: unknown },
  ) {
    super(message, options);
    this.source = source;
    this.code = code;
    this.status = options?.status;
  }
}

/** True for errors raised before any work: the CLI exits 2 for these. */
export function isRefusal(error: unknown): boolean {
  return error instanceof UserError || error instanceof NotFoundError || error instanceof ForbiddenError;
}
