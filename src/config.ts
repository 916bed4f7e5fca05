import { createRequire } from "node:module";
import { userInfo } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { refuseUrlCredentials } from "./config-url.ts";
import { UserError } from "./core/errors.ts";
import type { Guardrails } from "./core/guardrails/guardrails.ts";
import type { HibernationSettings } from "./core/hibernate/hibernation-settings.ts";
import type { Policy } from "./core/instances/policy.ts";
import { type PoolSettings, parsePoolSpec } from "./core/pool/pool-settings.ts";
import { secretsKeyProblem } from "./core/secrets/secret-cipher.ts";
import { SecretValue } from "./core/secrets/secret-value.ts";
import type { SnapshotPolicy } from "./core/snapshots/snapshot-policy.ts";
import {
  DEFAULT_CURATED_PACKAGES,
  PACKAGE_NAME,
  parseCuratedList,
  type SoftwarePolicy,
} from "./core/software/software-policy.ts";
import { DEFAULT_TASK_SETTINGS, type TaskSettings } from "./core/tasks/task-settings.ts";
import type { VolumePolicy } from "./core/volumes/volume-policy.ts";
import { DEFAULT_WORKSPACE_SETTINGS, type WorkspaceSettings } from "./core/workspace/workspace-settings.ts";
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
  guardrails: Guardrails;
  /** Who may use the bot: one workspace, members only unless guests are let in. */
  identity: { teamId: string | undefined; allowGuests: boolean };
  /** Billing through Stripe; off while `secretKey` is unset. */
  stripe: { secretKey: string | undefined; apiUrl: string | undefined; meterEvent: string };
  snapshots: SnapshotPolicy;
  /** Idle machines hibernate; the idle pass runs on `idleCron`. */
  hibernation: HibernationSettings & { idleCron: string };
  timing: { sshPort: number; sshWaitMs: number; installTimeoutMs: number };
  /** The bot's JSON log: lines below this level are not written (CCC_LOG_LEVEL). */
  logLevel: LogLevel;
  /** TZ: the zone the CLI shows times in (unset: the system's; `--utc` overrides it). */
  timeZone: string | undefined;
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
  web: {
    /** The address people reach the bot's HTTP server at; sign-in links start with it. */
    publicUrl: string | undefined;
    /** "Sign in with Slack" is offered when both are set. */
    slackClientId: string | undefined;
    slackClientSecret: string | undefined;
  };
  /** The HTTP API under /api/v1. */
  api: {
    /** Requests per minute per person, all their tokens together (a burst of this many, refilled evenly). */
    ratePerMinute: number;
    /** How long a request may run before the client is told it goes on without them. */
    timeoutMs: number;
  };
  /** Extra software people may ask for on their machines. */
  software: SoftwarePolicy;
  volumes: VolumePolicy;
  pool: PoolSettings;
  /** Starting from a repository: the forges' addresses and how long the checks and the clone may take. */
  workspace: WorkspaceSettings;
  /** People's secrets: off while neither is set. The key text is wrapped so it cannot be logged by accident. */
  secrets: { key: SecretValue | undefined; keyFile: string | undefined };
  /** Tasks (issue 22): Claude Code run headless on a machine, a pull request at the end. */
  tasks: TaskSettings;
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

const commaList = z.preprocess(
  (v) => (typeof v === "string" ? v : ""),
  z.string().transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ),
);

// Spending guardrails, Slack identity and Stripe billing.
const guardSettings = {
  CCC_ALLOWED_TYPES: commaList,
  CCC_MAX_EUR_PER_HOUR: z.preprocess(
    blankAsUnset,
    z
      .string()
      .trim()
      .regex(/^\d{1,6}(\.\d{1,16})?$/, "a price in euros, like 0.10")
      .refine((v) => Number(v) > 0, "must be more than 0")
      .default("0.10"),
  ),
  CCC_MIN_HOURS: positive(0.5),
  CCC_MAX_PROVISIONS_PER_HOUR: positiveInt(6),
  CCC_SLACK_TEAM_ID: z.preprocess(
    blankAsUnset,
    z
      .string()
      .trim()
      .regex(/^[TE][A-Z0-9]{2,}$/, "a Slack workspace id, like T012AB3CD")
      .optional(),
  ),
  CCC_ALLOW_GUESTS: z.preprocess(
    (v) => (blankAsUnset(v) === undefined ? "false" : String(v).trim().toLowerCase()),
    z.enum(["true", "false"], "true or false").transform((v) => v === "true"),
  ),
  STRIPE_SECRET_KEY: z.preprocess(
    blankAsUnset,
    z
      .string()
      .trim()
      .regex(/^(sk|rk)_(test|live)_\S+$/, "a secret key (sk_live_…, sk_test_…) or a restricted key (rk_…)")
      .optional(),
  ),
  STRIPE_API_URL: z.preprocess(blankAsUnset, z.url().optional()).superRefine(refuseUrlCredentials),
  CCC_STRIPE_METER_EVENT: z.preprocess(
    blankAsUnset,
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.:-]{1,100}$/, "a meter's event name, like ccc_usage_cents")
      .default("ccc_usage_cents"),
  ),
};

const flag = (fallback: boolean) =>
  z.preprocess(
    (v) => blankAsUnset(v) ?? String(fallback),
    z
      .string()
      .transform((v) => v.trim().toLowerCase())
      .refine((v) => ["true", "false", "1", "0", "yes", "no"].includes(v), "true or false")
      .transform((v) => v === "true" || v === "1" || v === "yes"),
  );
const curatedPackages = z.preprocess(
  (v) => blankAsUnset(v) ?? DEFAULT_CURATED_PACKAGES,
  z.string().transform((v, ctx) => {
    try {
      return parseCuratedList(v);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      ctx.addIssue({ code: "custom", message: `${error.message} (format: python3=Python 3,go=Go)` });
      return z.NEVER;
    }
  }),
);
const packageNames = z.preprocess(
  (v) => (typeof v === "string" ? v : ""),
  z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine(
      (names) => names.every((n) => PACKAGE_NAME.test(n)),
      "a comma-separated list of nixpkgs attribute names, like python2,python3Packages",
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

const forgeUrl = (fallback: string) =>
  z
    .preprocess(blankAsUnset, z.url({ protocol: /^https?$/ }).default(fallback))
    .superRefine(refuseUrlCredentials)
    .transform((v) => v.replace(/\/+$/, ""));
// The bot's log (issue 18, item 15).
const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const logSettings = {
  CCC_LOG_LEVEL: z.preprocess(
    (v) => (blankAsUnset(v) === undefined ? "info" : String(v).trim().toLowerCase()),
    z.enum(LOG_LEVELS, "debug, info, warn or error"),
  ),
};

/** CCC_LOG_LEVEL alone, for the logger made before the rest of the settings are read; "info" when unset or bad (the full check names it). */
export function logLevelOf(env: Record<string, string | undefined>): LogLevel {
  const parsed = logSettings.CCC_LOG_LEVEL.safeParse(env.CCC_LOG_LEVEL);
  return parsed.success ? parsed.data : "info";
}

const envSchema = z.object({
  ...logSettings,
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
  CCC_SNAPSHOT_RETENTION_DAYS: positiveInt(7),
  CCC_MAX_SNAPSHOTS_PER_USER: positiveInt(3),
  CCC_VOLUME_GB: z.preprocess(blankAsUnset, z.coerce.number().int().min(10).default(10)),
  CCC_VOLUME_MAX_GB: z.preprocess(blankAsUnset, z.coerce.number().int().min(10).max(10240).default(100)),
  // The reminders go 7 days and 1 day before the end, so a shorter retention could not give both.
  CCC_VOLUME_RETENTION_DAYS: z.preprocess(blankAsUnset, z.coerce.number().int().min(8).default(30)),
  CCC_SSH_PORT: port(22, 1),
  CCC_SSH_WAIT_SECONDS: positiveInt(300),
  CCC_INSTALL_TIMEOUT_SECONDS: positiveInt(1800),
  CCC_OPERATOR_NAME: optionalText,
  USER: optionalText,
  TZ: optionalText,
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
  ...guardSettings,
  CCC_PUBLIC_URL: z
    .preprocess(blankAsUnset, z.url({ protocol: /^https?$/ }).optional())
    .superRefine(refuseUrlCredentials),
  SLACK_CLIENT_ID: optionalText,
  SLACK_CLIENT_SECRET: optionalText,
  CCC_API_RATE_PER_MINUTE: positiveInt(60),
  CCC_API_TIMEOUT_SECONDS: positiveInt(30),
  // Identity at every door (docs/identity.md).
  CCC_MAX_TOKENS_PER_USER: positiveInt(5),
  CCC_PACKAGES: curatedPackages,
  CCC_PACKAGES_FREE_TEXT: flag(true),
  CCC_PACKAGES_DENY: packageNames,
  CCC_ALLOW_UNFREE: flag(false),
  CCC_POOL: z
    .preprocess((v) => (typeof v === "string" ? v : ""), z.string())
    .transform((v, ctx) => {
      const parsed = parsePoolSpec(v);
      if ("targets" in parsed) return parsed.targets;
      for (const problem of parsed.problems) ctx.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }),
  CCC_POOL_MAX_PARALLEL_INSTALLS: positiveInt(2),
  CCC_POOL_MAX_AGE_HOURS: positive(24),
  CCC_USER_MONTHLY_BUDGET_EUR: budgetEuros,
  CCC_TEAM_MONTHLY_BUDGET_EUR: budgetEuros,
  // Starting from a repository (issue 21): where GitHub and GitLab are (an Enterprise server, a stand-in).
  CCC_GITHUB_URL: forgeUrl("https://github.com"),
  CCC_GITHUB_API_URL: forgeUrl("https://api.github.com"),
  CCC_GITLAB_URL: forgeUrl("https://gitlab.com"),
  CCC_GITLAB_API_URL: forgeUrl("https://gitlab.com/api/v4"),
  // People's secrets (docs/secrets.md): the key they are sealed with, or a file holding it.
  CCC_SECRETS_KEY: optionalText.refine(
    (v) => v === undefined || secretsKeyProblem(v) === null,
    "must be 32 random bytes in base64 (make one with: openssl rand -base64 32)",
  ),
  CCC_SECRETS_KEY_FILE: optionalText,
  // Hibernation (docs/hibernation.md): minutes idle before a machine is saved and its server deleted
  // (0 turns it off), the warning before, how long it stays wakeable, the cap on people's own limits,
  // how often machines are asked and how many at once.
  CCC_IDLE_HIBERNATE_MINUTES: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).default(30)),
  CCC_IDLE_WARN_MINUTES: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(60).default(5)),
  CCC_HIBERNATE_MAX_DAYS: positiveInt(7),
  CCC_IDLE_MAX_MINUTES: z.preprocess(blankAsUnset, z.coerce.number().int().min(10).optional()),
  CCC_IDLE_CHECK_CRON: cronExpression("*/5 * * * *"),
  CCC_IDLE_CHECK_PARALLEL: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(64).default(16)),
  // Tasks (docs/tasks.md): on or off, the caps a task may ask up to, tasks at once per person, and the
  // rate Claude Code's dollar cost is counted at in euro budgets.
  CCC_TASKS: flag(true),
  CCC_TASK_MAX_TURNS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(1000).default(50)),
  CCC_TASK_MAX_MINUTES: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(1440).default(60)),
  CCC_MAX_CONCURRENT_TASKS_PER_USER: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).default(2)),
  CCC_TASK_EUR_PER_USD: positive(0.86),
  // Minutes an unkept task machine lives after the result, for Keep machine / Delete now (0: deleted at once).
  CCC_TASK_GRACE_MINUTES: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(1440).default(10)),
});

type Env = z.infer<typeof envSchema>;

/** Every setting ccc reads: `ccc doctor` warns about a `CCC_*` name in the environment that is none of them. */
export const SETTING_NAMES: readonly string[] = Object.keys(envSchema.shape);

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
  // Parsed once per process: zod's compiled fast path would cost more to build than it saves.
  const parsed = envSchema.safeParse(env, { jitless: true });
  if (parsed.success) return { config: toConfig(parsed.data), problems: [] };
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  const bad = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
  const rest = Object.fromEntries(Object.entries(env).filter(([key]) => !bad.has(key)));
  return { config: toConfig(envSchema.parse(rest, { jitless: true })), problems };
}

/** The one parse of the settings: a Config, or a ConfigError listing every problem at once. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const { config, problems } = readConfig(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * The operator's name when CCC_OPERATOR_NAME and USER are unset: the system user running ccc (what a
 * service unit without USER runs as), never a made-up "operator"; only a process with no passwd entry
 * at all falls back to its numeric uid.
 */
function systemUserName(): string {
  try {
    const { username, uid } = userInfo();
    return username || `uid-${uid}`;
  } catch {
    return `uid-${process.getuid?.() ?? "unknown"}`;
  }
}

function toConfig(env: Env): Config {
  const db = env.CCC_DB_PATH === ":memory:" ? ":memory:" : fromRoot(env.CCC_DB_PATH);
  return {
    hetzner: { token: env.HCLOUD_TOKEN, endpoint: env.HCLOUD_ENDPOINT },
    operator: {
      name: env.CCC_OPERATOR_NAME || env.USER || systemUserName(),
      sshKey: env.CCC_OPERATOR_SSH_KEY ? fromRoot(env.CCC_OPERATOR_SSH_KEY) : undefined,
      home: env.HOME,
    },
    installer: { command: env.CCC_NIXOS_ANYWHERE, searchPath: env.PATH },
    logLevel: env.CCC_LOG_LEVEL,
    timeZone: env.TZ,
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
      maxTokensPerUser: env.CCC_MAX_TOKENS_PER_USER,
      budgets: {
        userMonthlyEur: env.CCC_USER_MONTHLY_BUDGET_EUR ?? null,
        teamMonthlyEur: env.CCC_TEAM_MONTHLY_BUDGET_EUR ?? null,
      },
    },
    guardrails: {
      allowedTypes: env.CCC_ALLOWED_TYPES.length > 0 ? env.CCC_ALLOWED_TYPES : null,
      maxEurPerHour: env.CCC_MAX_EUR_PER_HOUR,
      minHours: env.CCC_MIN_HOURS,
      maxProvisionsPerHour: env.CCC_MAX_PROVISIONS_PER_HOUR,
    },
    identity: { teamId: env.CCC_SLACK_TEAM_ID, allowGuests: env.CCC_ALLOW_GUESTS },
    stripe: {
      secretKey: env.STRIPE_SECRET_KEY,
      apiUrl: env.STRIPE_API_URL,
      meterEvent: env.CCC_STRIPE_METER_EVENT,
    },
    snapshots: {
      retentionDays: env.CCC_SNAPSHOT_RETENTION_DAYS,
      maxPerUser: env.CCC_MAX_SNAPSHOTS_PER_USER,
    },
    hibernation: {
      idleMinutes: env.CCC_IDLE_HIBERNATE_MINUTES,
      warnMinutes: env.CCC_IDLE_WARN_MINUTES,
      maxDays: env.CCC_HIBERNATE_MAX_DAYS,
      maxIdleMinutes: env.CCC_IDLE_MAX_MINUTES ?? null,
      idleCron: env.CCC_IDLE_CHECK_CRON,
      concurrency: env.CCC_IDLE_CHECK_PARALLEL,
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
    web: {
      publicUrl: env.CCC_PUBLIC_URL,
      slackClientId: env.SLACK_CLIENT_ID,
      slackClientSecret: env.SLACK_CLIENT_SECRET,
    },
    api: { ratePerMinute: env.CCC_API_RATE_PER_MINUTE, timeoutMs: env.CCC_API_TIMEOUT_SECONDS * 1000 },
    software: {
      curated: env.CCC_PACKAGES,
      freeText: env.CCC_PACKAGES_FREE_TEXT,
      deny: env.CCC_PACKAGES_DENY,
      allowUnfree: env.CCC_ALLOW_UNFREE,
    },
    volumes: {
      defaultGb: Math.min(env.CCC_VOLUME_GB, env.CCC_VOLUME_MAX_GB),
      maxGb: env.CCC_VOLUME_MAX_GB,
      retentionDays: env.CCC_VOLUME_RETENTION_DAYS,
    },
    secrets: {
      key: env.CCC_SECRETS_KEY ? new SecretValue(env.CCC_SECRETS_KEY) : undefined,
      keyFile: env.CCC_SECRETS_KEY_FILE ? fromRoot(env.CCC_SECRETS_KEY_FILE) : undefined,
    },
    pool: {
      targets: env.CCC_POOL,
      maxParallelInstalls: env.CCC_POOL_MAX_PARALLEL_INSTALLS,
      maxAgeHours: env.CCC_POOL_MAX_AGE_HOURS,
    },
    workspace: {
      ...DEFAULT_WORKSPACE_SETTINGS,
      github: { webUrl: env.CCC_GITHUB_URL, apiUrl: env.CCC_GITHUB_API_URL },
      gitlab: { webUrl: env.CCC_GITLAB_URL, apiUrl: env.CCC_GITLAB_API_URL },
    },
    tasks: {
      ...DEFAULT_TASK_SETTINGS,
      enabled: env.CCC_TASKS,
      maxTurns: env.CCC_TASK_MAX_TURNS,
      maxMinutes: env.CCC_TASK_MAX_MINUTES,
      maxConcurrentPerUser: env.CCC_MAX_CONCURRENT_TASKS_PER_USER,
      eurPerUsd: env.CCC_TASK_EUR_PER_USD,
      graceMinutes: env.CCC_TASK_GRACE_MINUTES,
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
