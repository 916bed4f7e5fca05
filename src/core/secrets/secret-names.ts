import { UserError } from "../errors.ts";
import type { SecretValue } from "./secret-value.ts";

// What a person may keep as a secret: the known kinds ccc checks for form, and free-form environment
// variables. Names that would break the machine's shell or the system's own tools are refused.

/** What a secret is for: signing Claude Code in, its cloud provider settings, git over HTTPS, or anything. */
export type SecretKind = "claude" | "cloud" | "git" | "env";

export const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;
export const MAX_SECRET_NAME = 64;
export const MAX_SECRET_BYTES = 8 * 1024;
export const MAX_SECRETS_PER_PERSON = 40;

/** Credentials that sign Claude Code in by themselves (Bedrock and Vertex are switched on by a setting). */
export const CLAUDE_CREDENTIALS = ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"] as const;
export const CLOUD_SWITCHES = ["CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX"] as const;

const CLOUD_NAMES = new Set([
  ...CLOUD_SWITCHES,
  "ANTHROPIC_VERTEX_PROJECT_ID",
  "CLOUD_ML_REGION",
  "ANTHROPIC_MODEL",
  "ANTHROPIC_SMALL_FAST_MODEL",
  "CLAUDE_CODE_SKIP_BEDROCK_AUTH",
  "CLAUDE_CODE_SKIP_VERTEX_AUTH",
  "GOOGLE_CLOUD_PROJECT",
]);
const GIT_NAMES = new Set(["GITHUB_TOKEN", "GITLAB_TOKEN"]);

// The shell, the loader and the system read these: a value there would break logins or run code as root's tools.
const REFUSED_NAMES = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "PWD",
  "OLDPWD",
  "IFS",
  "ENV",
  "BASH_ENV",
  "SHELLOPTS",
  "BASHOPTS",
  "CDPATH",
  "PS1",
  "PS2",
  "PS4",
  "PROMPT_COMMAND",
  "TERM",
  "TMPDIR",
  "MAIL",
  "HOSTNAME",
  "LANG",
  "LANGUAGE",
  "TZ",
  "LOCALE_ARCHIVE",
  "GIT_ASKPASS",
  "SSH_ASKPASS",
  "EDITOR",
  "VISUAL",
  "PAGER",
  "SUDO_ASKPASS",
]);
const REFUSED_PREFIXES = [
  "LD_",
  "LC_",
  "BASH_FUNC",
  "NIX_",
  "SSH_",
  "SUDO_",
  "XDG_",
  "SYSTEMD_",
  "CCC_",
  "DBUS_",
];

/** The kind a valid name is of. */
export function kindOf(name: string): SecretKind {
  if ((CLAUDE_CREDENTIALS as readonly string[]).includes(name)) return "claude";
  if (CLOUD_NAMES.has(name) || name.startsWith("AWS_") || name.startsWith("VERTEX_REGION_")) return "cloud";
  if (GIT_NAMES.has(name)) return "git";
  return "env";
}

/** A secret's name, checked: the shape of an environment variable, and none the machine needs for itself. */
export function parseSecretName(raw: string): string {
  const name = raw.trim();
  if (name === "") throw new UserError("Give the secret's name, like ANTHROPIC_API_KEY.", { field: "name" });
  if (name.length > MAX_SECRET_NAME) {
    throw new UserError(`A secret's name has at most ${MAX_SECRET_NAME} characters.`, { field: "name" });
  }
  if (!SECRET_NAME.test(name)) {
    throw new UserError(
      `"${printable(name)}" is not an environment variable name: capital letters, digits and _, not starting with a digit (like GITHUB_TOKEN).`,
      { field: "name" },
    );
  }
  if (REFUSED_NAMES.has(name) || REFUSED_PREFIXES.some((p) => name.startsWith(p))) {
    throw new UserError(
      `${name} cannot be a secret: the machine's shell or system relies on it, and setting it would break logins.`,
      { field: "name", code: "reserved_name" },
    );
  }
  return name;
}

const FORMS: Record<string, { test: RegExp; hint: string }> = {
  ANTHROPIC_API_KEY: {
    test: /^sk-ant-api\d\d-[A-Za-z0-9_-]{20,}$/,
    hint: "an Anthropic API key starts with sk-ant-api",
  },
  CLAUDE_CODE_OAUTH_TOKEN: {
    test: /^sk-ant-oat\d\d-[A-Za-z0-9_-]{20,}$/,
    hint: "the token `claude setup-token` prints starts with sk-ant-oat",
  },
  GITHUB_TOKEN: {
    test: /^(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})$/,
    hint: "a GitHub token starts with ghp_, github_pat_, gho_, ghu_ or ghs_",
  },
  GITLAB_TOKEN: { test: /^gl[a-z]+-[A-Za-z0-9_-]{20,}$/, hint: "a GitLab token starts with glpat-" },
  CLAUDE_CODE_USE_BEDROCK: { test: /^(?:1|0|true|false)$/, hint: "say 1 to use Bedrock, 0 not to" },
  CLAUDE_CODE_USE_VERTEX: { test: /^(?:1|0|true|false)$/, hint: "say 1 to use Vertex AI, 0 not to" },
  AWS_ACCESS_KEY_ID: {
    test: /^(?:AKIA|ASIA)[A-Z0-9]{16}$/,
    hint: "an AWS access key id is AKIA or ASIA and 16 more",
  },
  AWS_REGION: { test: /^[a-z]{2}(?:-[a-z]+)+-\d$/, hint: "an AWS region looks like us-east-1" },
  CLOUD_ML_REGION: {
    test: /^[a-z0-9-]{2,40}$/,
    hint: "a Google Cloud region looks like us-east5, or global",
  },
  ANTHROPIC_VERTEX_PROJECT_ID: { test: /^[a-z][a-z0-9-]{4,61}[a-z0-9]$/, hint: "a Google Cloud project id" },
};

/**
 * The value's form for the known kinds (a key of the wrong kind pasted in the wrong place is the common
 * mistake), and for every kind: one line of text, not empty, at most 8 KB. The message never repeats it.
 */
export function checkSecretValue(name: string, value: SecretValue): void {
  const text = value.reveal();
  if (text === "") throw new UserError(`The value of ${name} is empty.`, { field: "value" });
  if (value.byteLength > MAX_SECRET_BYTES) {
    throw new UserError(`The value of ${name} is longer than ${MAX_SECRET_BYTES / 1024} KB.`, {
      field: "value",
    });
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(text)) {
    throw new UserError(
      `The value of ${name} has a line break or control characters; a secret is one line of text.`,
      { field: "value" },
    );
  }
  const form = FORMS[name];
  if (form && !form.test.test(text)) {
    throw new UserError(`That does not look like a value for ${name}: ${form.hint}. Nothing was stored.`, {
      field: "value",
      code: "bad_secret_form",
    });
  }
}

function printable(text: string): string {
  const shown = text.replace(/[^\x20-\x7e]/g, "?");
  return shown.length > 40 ? `${shown.slice(0, 39)}…` : shown;
}
