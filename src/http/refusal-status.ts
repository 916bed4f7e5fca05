import { ForbiddenError, NotFoundError, type RefusalCode, UserError } from "../core/errors.ts";

/** What HTTP says about a refusal: not allowed, no such thing, not now (the state), or not this input. */
export type RefusalStatus = 403 | 404 | 409 | 422;

/**
 * The one HTTP status of every refusal code, for the API and the dashboard alike. A `Record` over the
 * union, so a code added to core without a status here does not compile.
 */
export const REFUSAL_STATUS: Record<RefusalCode, RefusalStatus> = {
  forbidden: 403,
  not_found: 404,
  // The state of the thing named, not the input: asking again later may work.
  busy: 409,
  not_live: 409,
  not_ready: 409,
  already_deleted: 409,
  already_revoked: 409,
  already_saving: 409,
  volume_attached: 409,
  volume_busy: 409,
  task_running: 409,
  machine_gone: 409,
  // The rest: the input, a policy or a quota, or what is not set up.
  not_asleep: 422,
  hibernating: 422,
  hibernation_ended: 422,
  invalid_input: 422,
  unknown_field: 422,
  invalid_amount: 422,
  invalid_email: 422,
  invalid_span: 422,
  invalid_usage: 422,
  invalid_resource: 422,
  invalid_setting: 422,
  bad_option: 422,
  bad_repo: 422,
  bad_package_name: 422,
  bad_volume_size: 422,
  bad_secret_form: 422,
  bad_secrets_key: 422,
  bad_apply_document: 422,
  duplicate_package: 422,
  reserved_name: 422,
  same_key: 422,
  secret_in_slack: 422,
  unresolved_mention: 422,
  unresolved_member: 422,
  unknown_member: 422,
  unsupported_path: 422,
  wrong_architecture: 422,
  disk_too_small: 422,
  package_set_escape: 422,
  repo_not_readable: 422,
  repo_check_failed: 422,
  token_refused: 422,
  tasks_off: 422,
  no_claude_credential: 422,
  no_repo_token: 422,
  empty: 422,
  not_a_key: 422,
  private_key: 422,
  dsa_key: 422,
  rsa_too_short: 422,
  too_large: 422,
  too_many_keys: 422,
  multiple_keys: 422,
  options_prefix: 422,
  control_characters: 422,
  quota_exceeded: 422,
  over_budget: 422,
  idle_cap: 422,
  token_limit: 422,
  too_few_hours: 422,
  too_many_packages: 422,
  type_not_allowed: 422,
  package_not_offered: 422,
  denied_package: 422,
  no_admin_tokens: 422,
  no_price: 422,
  not_configured: 422,
  billing_off: 422,
  secrets_off: 422,
  wrong_secrets_key: 422,
  damaged_secret: 422,
  no_database: 422,
  schema_newer: 422,
  schema_behind: 422,
  no_key: 422,
  no_host_key: 422,
  no_snapshot: 422,
  no_earlier_request: 422,
  not_a_guest: 422,
  already_owner: 422,
};

/** The status of a refusal (a UserError, NotFoundError or ForbiddenError); null for anything else. */
export function refusalStatus(error: unknown): RefusalStatus | null {
  if (error instanceof UserError || error instanceof NotFoundError || error instanceof ForbiddenError) {
    return REFUSAL_STATUS[error.code];
  }
  return null;
}
