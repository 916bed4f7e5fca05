import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import cron from "node-cron";
import { z } from "zod";
import { refuseUrlCredentials } from "./config-url.ts";
import { flakePathProblem } from "./core/instance-flake.ts";
import { parseSshPublicKey } from "./core/ssh-key.ts";

/** The project root: relative paths in the settings are taken from here, not from the working directory. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const blankAsUnset = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;
const optionalText = z.preprocess(blankAsUnset, z.string().trim().optional());

/** Every setting ccc reads from the environment (see .env.example for what each means). */
export const coreEnvSchema = z.object({
  HCLOUD_TOKEN: optionalText,
  HCLOUD_ENDPOINT: z
    .preprocess(blankAsUnset, z.url().default("https://api.hetzner.cloud/v1"))
    .superRefine(refuseUrlCredentials),
  CCC_DB_PATH: z.preprocess(blankAsUnset, z.string().default("data/ccc.db")),
  CCC_NIXOS_ANYWHERE: z.preprocess(blankAsUnset, z.string().default("nixos-anywhere")),
  CCC_OPERATOR_SSH_KEY: optionalText,
  CCC_FLAKE_DIR: z.preprocess(blankAsUnset, z.string().default("nix")),
  CCC_IMAGE: z.preprocess(blankAsUnset, z.string().default("ubuntu-24.04")),
  CCC_DEFAULT_SERVER_TYPE: z.preprocess(blankAsUnset, z.string().default("cx23")),
  CCC_DEFAULT_LOCATION: z.preprocess(blankAsUnset, z.string().default("fsn1")),
  CCC_DEFAULT_HOURS: z.preprocess(blankAsUnset, z.coerce.number().positive().default(4)),
  CCC_MAX_HOURS: z.preprocess(blankAsUnset, z.coerce.number().positive().default(24)),
  CCC_MAX_LIFETIME_HOURS: z.preprocess(blankAsUnset, z.coerce.number().positive().default(72)),
  CCC_MAX_INSTANCES_PER_USER: z.preprocess(blankAsUnset, positiveInt(2)),
  CCC_SSH_PORT: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(65535).default(22)),
  CCC_SSH_WAIT_SECONDS: z.preprocess(blankAsUnset, positiveInt(300)),
  CCC_INSTALL_TIMEOUT_SECONDS: z.preprocess(blankAsUnset, positiveInt(1800)),
  /** Who the CLI acts as; falls back to the login name. */
  CCC_OPERATOR_NAME: optionalText,
  USER: optionalText,
  PATH: optionalText,
});

export type CoreEnv = z.infer<typeof coreEnvSchema>;

/** Slack settings: the bot needs them; the CLI uses SLACK_BOT_TOKEN (and SLACK_API_URL) to send DMs when set. */
export const slackEnvSchema = z.object({
  SLACK_BOT_TOKEN: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_API_URL: z.preprocess(blankAsUnset, z.url().optional()).superRefine(refuseUrlCredentials),
  CCC_ADMINS: z.preprocess(
    (v) => (typeof v === "string" ? v : ""),
    z.string().transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ),
  PORT: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(65535).default(3000)),
});

const cronExpression = (fallback: string) =>
  z.preprocess(
    blankAsUnset,
    z
      .string()
      .default(fallback)
      .refine((v) => cron.validate(v), "not a cron expression (five fields, or six with seconds)"),
  );

/** The lifecycle jobs' schedule and rules. */
export const lifecycleEnvSchema = z.object({
  CCC_SWEEP_CRON: cronExpression("* * * * *"),
  CCC_RECONCILE_CRON: cronExpression("*/10 * * * *"),
  CCC_REMIND_MINUTES: z.preprocess(
    (v) => blankAsUnset(v) ?? "60,15",
    z
      .string()
      .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, "a comma-separated list of minutes, like 60,15")
      .transform((v) => [...new Set(v.split(",").map((s) => Number(s.trim())))].sort((a, b) => b - a)),
  ),
  CCC_ORPHAN_GRACE_MINUTES: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).default(15)),
});

/** Everything, for the bot (and the CLI, which ignores what it does not use). */
export const envSchema = coreEnvSchema.extend(slackEnvSchema.shape).extend(lifecycleEnvSchema.shape);
export type Env = z.infer<typeof envSchema>;

/** A check of parsed settings that answers its problems (a missing token, an unusable path). */
export type SettingsCheck = (env: Env) => string[];

/**
 * Parses the settings and runs `checks` on them, reporting every problem of both kinds at once: a
 * value that does not parse is left out of what the checks see, so they still run.
 */
export function loadEnv(raw: Record<string, string | undefined>, checks: SettingsCheck[] = []): Env {
  const parsed = envSchema.safeParse(raw);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  const env = parsed.success ? parsed.data : parseEachField(raw);
  for (const check of checks) problems.push(...check(env));
  if (problems.length > 0) throw new ConfigError(problems);
  return env;
}

function parseEachField(raw: Record<string, string | undefined>): Env {
  const fields = Object.entries(envSchema.shape).flatMap(([key, field]) => {
    const result = (field as z.ZodType).safeParse(raw[key]);
    return result.success ? [[key, result.data] as const] : [];
  });
  return Object.fromEntries(fields) as Env;
}

/** Settings a command cannot work without, with where an operator gets each. */
export const REQUIRED_FOR_CLOUD: Record<string, string> = {
  HCLOUD_TOKEN:
    "an API token with read & write access: Hetzner Cloud Console → your project → Security → API tokens",
  CCC_OPERATOR_SSH_KEY:
    "path of the operator's private SSH key (its .pub beside it is uploaded to Hetzner); make one with: ssh-keygen -t ed25519 -f ~/.ssh/ccc_operator -N ''",
};

/** A settings problem, listing every one at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `ccc is not configured (set these in the environment or in .env; .env.example explains each):\n${problems
        .map((p) => `  - ${p}`)
        .join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

/** Parses the settings, reporting every problem at once. */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
}

/** Lists the missing settings among `required`, and an unreadable operator key. */
export function missingSettings(env: CoreEnv, required: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, hint] of Object.entries(required)) {
    if (!env[name as keyof CoreEnv]) problems.push(`${name} is not set: ${hint}`);
  }
  if ("CCC_OPERATOR_SSH_KEY" in required && env.CCC_OPERATOR_SSH_KEY) {
    const key = fromRoot(env.CCC_OPERATOR_SSH_KEY);
    if (!existsSync(key)) problems.push(`CCC_OPERATOR_SSH_KEY: no file at ${key}`);
    else if (!existsSync(`${key}.pub`))
      problems.push(`CCC_OPERATOR_SSH_KEY: no public key at ${key}.pub beside it`);
    else {
      try {
        parseSshPublicKey(readFileSync(`${key}.pub`, "utf8"));
      } catch (error) {
        problems.push(
          `CCC_OPERATOR_SSH_KEY: ${key}.pub is not a usable public key: ${(error as Error).message}`,
        );
      }
    }
  }
  return problems;
}

/**
 * What would make every provision fail after its server was created (and paid for): no installer,
 * no project flake, or paths a `path:` flake URL cannot carry. Checked before anything is spent.
 */
export function installerProblems(env: CoreEnv): string[] {
  const problems: string[] = [];
  if (!findExecutable(env.CCC_NIXOS_ANYWHERE, env.PATH)) {
    problems.push(
      `CCC_NIXOS_ANYWHERE: ${env.CCC_NIXOS_ANYWHERE} is not an executable${env.CCC_NIXOS_ANYWHERE.includes("/") ? "" : " on PATH"}: enter \`nix develop ./nix\` (it provides nixos-anywhere) or set CCC_NIXOS_ANYWHERE to its path`,
    );
  }
  const flakeDir = fromRoot(env.CCC_FLAKE_DIR);
  if (!existsSync(join(flakeDir, "flake.nix"))) problems.push(`CCC_FLAKE_DIR: no flake.nix in ${flakeDir}`);
  const dataDir = env.CCC_DB_PATH === ":memory:" ? fromRoot("data") : dirname(fromRoot(env.CCC_DB_PATH));
  for (const [name, path] of [
    ["CCC_FLAKE_DIR", flakeDir],
    ["CCC_DB_PATH", dataDir],
  ] as const) {
    const problem = flakePathProblem(path);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  return problems;
}

function findExecutable(command: string, pathList = ""): string | null {
  const candidates = command.includes("/")
    ? [fromRoot(command)]
    : pathList
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

export function fromRoot(path: string): string {
  return isAbsolute(path) ? path : join(PROJECT_ROOT, path);
}

/** What the Slack bot needs besides the cloud settings, with where an operator gets each. */
export const REQUIRED_FOR_BOT: Record<string, string> = {
  SLACK_BOT_TOKEN:
    "the Bot User OAuth Token (xoxb-…): api.slack.com/apps → your app → OAuth & Permissions, after installing the app",
};

/** How Slack reaches the bot: one of the two is needed. */
export const BOT_RECEIVER_HINT =
  "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is not set: for Socket Mode (recommended, no public URL) set SLACK_APP_TOKEN " +
  "to an app-level token (xapp-…) with connections:write from api.slack.com/apps → your app → Basic Information → " +
  "App-Level Tokens; for HTTP set SLACK_SIGNING_SECRET from Basic Information → App Credentials.";

/** Every missing bot setting (Slack side), listed at once. */
export function missingBotSettings(env: Env): string[] {
  const problems: string[] = [];
  for (const [name, hint] of Object.entries(REQUIRED_FOR_BOT)) {
    if (!env[name as keyof Env]) problems.push(`${name} is not set: ${hint}`);
  }
  if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) problems.push(BOT_RECEIVER_HINT);
  if (env.SLACK_APP_TOKEN && !env.SLACK_APP_TOKEN.startsWith("xapp-")) {
    problems.push(
      "SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information → App-Level Tokens)",
    );
  }
  return problems;
}
