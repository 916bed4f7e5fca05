import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { refuseUrlCredentials } from "./config-url.ts";
import type { Policy } from "./core/instances/policy.ts";
import type { LifecycleSettings } from "./lifecycle/scheduler.ts";

/** node-cron checks an operator's own schedule; the defaults are known good, so most starts skip loading it. */
function validCron(expression: string): boolean {
  const cron = createRequire(import.meta.url)("node-cron") as typeof import("node-cron");
  return cron.validate(expression);
}

/** The project root: relative paths in the settings are taken from here, not from the working directory. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export function fromRoot(path: string): string {
  return isAbsolute(path) ? path : join(PROJECT_ROOT, path);
}

/**
 * Everything ccc is told by its operator, parsed once by an entry point and passed down. This is
 * the only module that knows the environment's names (see .env.example for what each means).
 */
export interface Config {
  hetzner: { token: string | undefined; endpoint: string };
  operator: {
    /** Who the CLI acts as: the audit trail's actor and the default owner of what it provisions. */
    name: string;
    /** Absolute path of the operator's private SSH key; `<path>.pub` sits beside it. */
    sshKey: string | undefined;
    /** The home directory, for `~/` in paths given on the command line. */
    home: string | undefined;
  };
  installer: { command: string; searchPath: string | undefined };
  paths: {
    /** The SQLite file (absolute), or `:memory:`. */
    db: string;
    /** Where `instances/` and `logs/` go: beside the database. */
    dataDir: string;
    flakeDir: string;
  };
  policy: Policy;
  timing: { sshPort: number; sshWaitMs: number; installTimeoutMs: number };
  slack: {
    botToken: string | undefined;
    appToken: string | undefined;
    signingSecret: string | undefined;
    apiUrl: string | undefined;
    admins: string[];
    port: number;
    /** When set, `GET /metrics` wants `Authorization: Bearer <this>`. */
    metricsToken: string | undefined;
  };
  lifecycle: LifecycleSettings;
}

const blankAsUnset = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;
const optionalText = z.preprocess(blankAsUnset, z.string().trim().optional());
const text = (fallback: string) => z.preprocess(blankAsUnset, z.string().default(fallback));
const positiveInt = (fallback: number) =>
  z.preprocess(blankAsUnset, z.coerce.number().int().positive().default(fallback));
const positive = (fallback: number) =>
  z.preprocess(blankAsUnset, z.coerce.number().positive().default(fallback));
const port = (fallback: number, min: number) =>
  z.preprocess(blankAsUnset, z.coerce.number().int().min(min).max(65535).default(fallback));
const cronExpression = (fallback: string) =>
  z.preprocess(
    blankAsUnset,
    z
      .string()
      .default(fallback)
      .refine(
        (v) => v === fallback || validCron(v),
        "not a cron expression (five fields, or six with seconds)",
      ),
  );

/** Euros to the cent (`25`, `12.40`); empty for no limit. */
const budgetEuros = z.preprocess(
  blankAsUnset,
  z
    .string()
    .trim()
    .regex(/^\d{1,7}(\.\d{1,2})?$/, "an amount in euros like 25 or 12.40, or empty for no limit")
    .optional(),
);

const envSchema = z.object({
  HCLOUD_TOKEN: optionalText,
  HCLOUD_ENDPOINT: z
    .preprocess(blankAsUnset, z.url().default("https://api.hetzner.cloud/v1"))
    .superRefine(refuseUrlCredentials),
  CCC_DB_PATH: text("data/ccc.db"),
  CCC_NIXOS_ANYWHERE: text("nixos-anywhere"),
  CCC_OPERATOR_SSH_KEY: optionalText,
  CCC_FLAKE_DIR: text("nix"),
  CCC_IMAGE: text("ubuntu-24.04"),
  CCC_DEFAULT_SERVER_TYPE: text("cx23"),
  CCC_DEFAULT_LOCATION: text("fsn1"),
  CCC_DEFAULT_HOURS: positive(4),
  CCC_MAX_HOURS: positive(24),
  CCC_MAX_LIFETIME_HOURS: positive(72),
  CCC_MAX_INSTANCES_PER_USER: positiveInt(2),
  // The machine's own update refuses more than 8 keys, so a higher cap could never be sent.
  CCC_MAX_KEYS_PER_MACHINE: z.preprocess(blankAsUnset, z.coerce.number().int().positive().max(8).default(8)),
  CCC_SSH_PORT: port(22, 1),
  CCC_SSH_WAIT_SECONDS: positiveInt(300),
  CCC_INSTALL_TIMEOUT_SECONDS: positiveInt(1800),
  CCC_OPERATOR_NAME: optionalText,
  USER: optionalText,
  HOME: optionalText,
  PATH: optionalText,
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
  PORT: port(3000, 0),
  /** When set, GET /metrics wants `Authorization: Bearer <this>`. */
  CCC_METRICS_TOKEN: optionalText,
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
  CCC_USER_MONTHLY_BUDGET_EUR: budgetEuros,
  CCC_TEAM_MONTHLY_BUDGET_EUR: budgetEuros,
});

type Env = z.infer<typeof envSchema>;

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

/**
 * Parses the settings without throwing: every value that does not parse is a problem and falls
 * back to its default, so the checks that follow still see a whole Config and report theirs too.
 */
export function readConfig(env: Record<string, string | undefined>): { config: Config; problems: string[] } {
  const parsed = envSchema.safeParse(env);
  if (parsed.success) return { config: toConfig(parsed.data), problems: [] };
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  const bad = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
  const rest = Object.fromEntries(Object.entries(env).filter(([key]) => !bad.has(key)));
  return { config: toConfig(envSchema.parse(rest)), problems };
}

/** The one parse of the settings: a Config, or a ConfigError listing every problem at once. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const { config, problems } = readConfig(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function toConfig(env: Env): Config {
  const db = env.CCC_DB_PATH === ":memory:" ? ":memory:" : fromRoot(env.CCC_DB_PATH);
  return {
    hetzner: { token: env.HCLOUD_TOKEN, endpoint: env.HCLOUD_ENDPOINT },
    operator: {
      name: env.CCC_OPERATOR_NAME || env.USER || "operator",
      sshKey: env.CCC_OPERATOR_SSH_KEY ? fromRoot(env.CCC_OPERATOR_SSH_KEY) : undefined,
      home: env.HOME,
    },
    installer: { command: env.CCC_NIXOS_ANYWHERE, searchPath: env.PATH },
    paths: {
      db,
      dataDir: db === ":memory:" ? fromRoot("data") : dirname(db),
      flakeDir: fromRoot(env.CCC_FLAKE_DIR),
    },
    policy: {
      image: env.CCC_IMAGE,
      defaultServerType: env.CCC_DEFAULT_SERVER_TYPE,
      defaultLocation: env.CCC_DEFAULT_LOCATION,
      defaultHours: env.CCC_DEFAULT_HOURS,
      maxHours: env.CCC_MAX_HOURS,
      maxLifetimeHours: env.CCC_MAX_LIFETIME_HOURS,
      maxInstancesPerUser: env.CCC_MAX_INSTANCES_PER_USER,
      maxKeysPerMachine: env.CCC_MAX_KEYS_PER_MACHINE,
      budgets: {
        userMonthlyEur: env.CCC_USER_MONTHLY_BUDGET_EUR ?? null,
        teamMonthlyEur: env.CCC_TEAM_MONTHLY_BUDGET_EUR ?? null,
      },
    },
    timing: {
      sshPort: env.CCC_SSH_PORT,
      sshWaitMs: env.CCC_SSH_WAIT_SECONDS * 1000,
      installTimeoutMs: env.CCC_INSTALL_TIMEOUT_SECONDS * 1000,
    },
    slack: {
      botToken: env.SLACK_BOT_TOKEN,
      appToken: env.SLACK_APP_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET,
      apiUrl: env.SLACK_API_URL,
      admins: env.CCC_ADMINS,
      port: env.PORT,
      metricsToken: env.CCC_METRICS_TOKEN,
    },
    lifecycle: {
      sweepCron: env.CCC_SWEEP_CRON,
      reconcileCron: env.CCC_RECONCILE_CRON,
      remindMinutes: env.CCC_REMIND_MINUTES,
      orphanGraceMinutes: env.CCC_ORPHAN_GRACE_MINUTES,
    },
  };
}

/** Settings a command that touches the cloud cannot work without, with where an operator gets each. */
export function missingForCloud(config: Config): string[] {
  const problems = missingHetzner(config);
  if (!config.operator.sshKey) {
    problems.push(
      "CCC_OPERATOR_SSH_KEY is not set: path of the operator's private SSH key (its .pub beside it is uploaded to Hetzner); make one with: ssh-keygen -t ed25519 -f ~/.ssh/ccc_operator -N ''",
    );
  }
  return problems;
}

/** The Hetzner API settings alone: enough to read from Hetzner (the catalog). */
export function missingHetzner(config: Config): string[] {
  if (config.hetzner.token) return [];
  return [
    "HCLOUD_TOKEN is not set: an API token with read & write access: Hetzner Cloud Console → your project → Security → API tokens",
  ];
}

/** What the Slack bot needs besides the cloud settings, listed at once with where to get each. */
export function missingForBot(config: Config): string[] {
  const { botToken, appToken, signingSecret } = config.slack;
  const problems: string[] = [];
  if (!botToken) {
    problems.push(
      "SLACK_BOT_TOKEN is not set: the Bot User OAuth Token (xoxb-…): api.slack.com/apps → your app → OAuth & Permissions, after installing the app",
    );
  }
  if (!appToken && !signingSecret) {
    problems.push(
      "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is not set: for Socket Mode (recommended, no public URL) set SLACK_APP_TOKEN " +
        "to an app-level token (xapp-…) with connections:write from api.slack.com/apps → your app → Basic Information → " +
        "App-Level Tokens; for HTTP set SLACK_SIGNING_SECRET from Basic Information → App Credentials.",
    );
  }
  if (appToken && !appToken.startsWith("xapp-")) {
    problems.push(
      "SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information → App-Level Tokens)",
    );
  }
  return problems;
}
