/** Base of every error ccc expects; anything else reaching an entry point is a bug. */
export abstract class CccError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Why ccc refuses, before any work, as programs see it (the API's `error.code`, the CLI's `--json`).
 * A string-literal union, so every map keyed by it (the HTTP statuses in src/http/refusal-status.ts)
 * is checked by the compiler: a new code without a status does not build.
 */
export type RefusalCode = UserRefusalCode | "not_found" | "forbidden";

/** The codes of {@link UserError}: bad input, a policy or a quota, or the state of the thing named. */
export type UserRefusalCode =
  // The input itself.
  | "invalid_input"
  /** A request field the API does not know (a typo, or a field it fills itself). */
  | "unknown_field"
  | "invalid_amount"
  | "invalid_email"
  | "invalid_span"
  | "invalid_usage"
  | "invalid_resource"
  | "invalid_setting"
  | "bad_option"
  | "bad_repo"
  | "bad_package_name"
  | "bad_volume_size"
  | "bad_secret_form"
  | "bad_secrets_key"
  | "bad_apply_document"
  | "duplicate_package"
  | "reserved_name"
  | "same_key"
  | "secret_in_slack"
  | "unresolved_mention"
  | "unresolved_member"
  | "unknown_member"
  | "unsupported_path"
  | "wrong_architecture"
  | "disk_too_small"
  | "package_set_escape"
  | "repo_not_readable"
  | "repo_check_failed"
  /** A GITHUB_TOKEN / GITLAB_TOKEN its forge does not accept (401), not stored. */
  | "token_refused"
  // Tasks (docs/tasks.md): the feature off, no Claude credential or forge token, one still running,
  // its machine gone.
  | "tasks_off"
  | "no_claude_credential"
  | "no_repo_token"
  | "task_running"
  | "machine_gone"
  // An SSH public key.
  | "empty"
  | "not_a_key"
  | "private_key"
  | "dsa_key"
  | "rsa_too_short"
  | "too_large"
  | "too_many_keys"
  | "multiple_keys"
  | "options_prefix"
  | "control_characters"
  // Policies, quotas and money.
  | "quota_exceeded"
  | "over_budget"
  | "idle_cap"
  | "token_limit"
  | "too_few_hours"
  | "too_many_packages"
  | "type_not_allowed"
  | "package_not_offered"
  | "denied_package"
  | "no_admin_tokens"
  | "no_price"
  // What is not set up, here or for the person.
  | "not_configured"
  | "billing_off"
  | "secrets_off"
  | "wrong_secrets_key"
  | "damaged_secret"
  | "no_database"
  | "schema_newer"
  | "schema_behind"
  | "no_key"
  | "no_host_key"
  | "no_snapshot"
  | "no_earlier_request"
  | "not_a_guest"
  | "already_owner"
  // The state of the thing named: asking again later may work.
  | "busy"
  | "not_live"
  | "not_ready"
  | "not_asleep"
  | "hibernating"
  | "hibernation_ended"
  | "already_deleted"
  | "already_revoked"
  | "already_saving"
  | "volume_attached"
  | "volume_busy";

/** Bad input or a policy refusal, raised before any work; the message is safe to show to the user. */
export class UserError extends CccError {
  readonly code: UserRefusalCode;
  /** The input field the message is about (a CLI flag or a modal block), when there is one. */
  readonly field: string | undefined;
  constructor(message: string, options?: { code?: UserRefusalCode; field?: string; cause?: unknown }) {
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
