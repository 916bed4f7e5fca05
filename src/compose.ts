import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { minimalChildEnv } from "./adapters/child-env.ts";
import { forgesFrom } from "./adapters/forges.ts";
import type { HetznerClientOptions } from "./adapters/hetzner/hetzner-client.ts";
import { countHetznerRequests } from "./adapters/hetzner/request-metrics.ts";
import { OnDemandCloud, OnDemandInstaller, OnDemandMachine } from "./adapters/on-demand.ts";
import { OnDemandBilling } from "./adapters/on-demand-billing.ts";
import { OnDemandTaskChannel } from "./adapters/on-demand-task.ts";
import { systemClock } from "./adapters/system-clock.ts";
import { type Config, ConfigError, missingForCloud } from "./config.ts";
import { Catalog } from "./core/cloud/catalog.ts";
import { type CoreDeps, DEFAULT_TIMING } from "./core/deps.ts";
import { UserError } from "./core/errors.ts";
import type { BillingApi } from "./core/ports/billing.ts";
import { type BillingSync, noDirectory, type PersonDirectory } from "./core/ports/billing-sync.ts";
import type { Clock } from "./core/ports/clock.ts";
import type { CloudApi } from "./core/ports/cloud.ts";
import type { Forges } from "./core/ports/forge.ts";
import type { Installer } from "./core/ports/installer.ts";
import { type Logger, silentLogger } from "./core/ports/logger.ts";
import type { MachineChannel } from "./core/ports/machine.ts";
import { type Metrics, noopMetrics } from "./core/ports/metrics.ts";
import { type Notifier, silentNotifier } from "./core/ports/notifier.ts";
import type { TaskChannel } from "./core/ports/task-machine.ts";
import { OperatorKey } from "./core/provision/operator-key.ts";
import { SecretsKey } from "./core/secrets/secret-cipher.ts";
import { hasClaudeCredential, readSecret } from "./core/secrets/secrets.ts";
import { type SchemaRule, Store, secureDataDir } from "./core/store/store.ts";
import type { ClaudeCredential, RepoTokens } from "./core/workspace/workspace-settings.ts";

export interface ComposeOptions {
  clock?: Clock;
  log?: Logger;
  notifier?: Notifier;
  /** Where core's counters go (the bot's /metrics); none by default. */
  metrics?: Metrics;
  /** Refuse to start without the Hetzner token and operator key (every command that touches the cloud). */
  needCloud?: boolean;
  /** Replace parts for tests and benchmarks; production uses the real ones. */
  cloud?: CloudApi;
  installer?: Installer;
  machine?: MachineChannel;
  timing?: Partial<CoreDeps["timing"]>;
  hetzner?: Pick<HetznerClientOptions, "retry" | "poll" | "fetch">;
  /** Where people's emails are found for Stripe (Slack's users.info); none by default. */
  directory?: PersonDirectory;
  /** Replaces the Stripe adapter (tests); used only when STRIPE_SECRET_KEY is set. */
  billing?: BillingApi;
  /** The environment of the installer and ssh (the entry points pass `minimalChildEnv` of theirs). */
  childEnv?: Record<string, string>;
  /**
   * False: refuse to create a database where there is none (the CLI, unless `ccc init` or `--init`), so a
   * command run with the wrong `CCC_DB_PATH` never works on a new, empty database. The bot creates its own.
   */
  createDatabase?: boolean;
  /** What opening the database does about its schema (`Store.open`); a new file is always migrated. */
  schema?: SchemaRule;
  /** The owner's GITHUB_TOKEN / GITLAB_TOKEN and whether a Claude credential is set: the secret store's. */
  repoTokens?: RepoTokens;
  claudeCredential?: ClaudeCredential;
  /** The machine side of tasks (the SSH adapter in production; tests may pass their own). */
  taskChannel?: TaskChannel;
  /** GitHub's and GitLab's APIs; by default the adapters at CCC_GITHUB_API_URL / CCC_GITLAB_API_URL. */
  forges?: Forges;
}

/** Builds core's dependencies from the parsed settings: the one place that opens the store and the adapters. */
export function composeCore(config: Config, options: ComposeOptions = {}): CoreDeps {
  const problems = options.needCloud ? missingForCloud(config) : [];
  if (problems.length > 0) throw new ConfigError(problems);
  const clock = options.clock ?? systemClock;
  const { db, dataDir, flakeDir } = config.paths;
  const fresh = db === ":memory:" || !existsSync(db);
  if (options.createDatabase === false && fresh) throw noDatabase(db);
  secureDataDir(dataDir);
  const store = Store.open(db, clock, fresh ? "migrate" : (options.schema ?? "migrate"));
  // The Hetzner client and the installer (with execa) load at their first use: `ccc list` needs neither.
  const cloud =
    options.cloud ??
    new OnDemandCloud(async () => {
      const { HetznerClient } = await import("./adapters/hetzner/hetzner-client.ts");
      return new HetznerClient({
        endpoint: config.hetzner.endpoint,
        token: config.hetzner.token ?? "",
        clock,
        onExchange: countHetznerRequests(options.metrics ?? noopMetrics),
        ...options.hetzner,
      });
    });
  const keyPath = config.operator.sshKey ?? "";
  const publicKey = keyPath ? readPublicKey(`${keyPath}.pub`) : "";
  const instancesDir = join(dataDir, "instances");
  const childEnv =
    options.childEnv ?? minimalChildEnv({ PATH: config.installer.searchPath, USER: config.operator.name });
  const deps: CoreDeps = {
    store,
    cloud,
    catalog: new Catalog(cloud, clock, undefined, store.catalogCache),
    installer:
      options.installer ??
      new OnDemandInstaller(async () => {
        const { NixosAnywhere } = await import("./adapters/nixos-anywhere.ts");
        return new NixosAnywhere(config.installer.command, childEnv);
      }),
    machine:
      options.machine ??
      new OnDemandMachine(async () => {
        const { SshMachineChannel } = await import("./adapters/ssh-machine-channel.ts");
        return new SshMachineChannel({ identityFile: keyPath, instancesDir, env: childEnv });
      }),
    clock,
    log: options.log ?? silentLogger,
    notifier: options.notifier ?? silentNotifier,
    metrics: options.metrics ?? noopMetrics,
    ...policiesFrom(config),
    ...billingFrom(config, options),
    publicUrl: config.web.publicUrl,
    forges: options.forges ?? forgesFrom(config.workspace),
    taskChannel:
      options.taskChannel ??
      new OnDemandTaskChannel(async () => {
        const { SshMachineChannel } = await import("./adapters/ssh-machine-channel.ts");
        return new SshMachineChannel({ identityFile: keyPath, instancesDir, env: childEnv });
      }),
    ...(options.repoTokens ? { repoTokens: options.repoTokens } : {}),
    ...(options.claudeCredential ? { claudeCredential: options.claudeCredential } : {}),
    operatorKey: new OperatorKey(keyPath, publicKey),
    secretsKey: loadSecretsKey(config),
    paths: {
      flakeDir,
      instancesDir,
      logsDir: join(dataDir, "logs"),
    },
    timing: { ...config.timing, ...DEFAULT_TIMING, ...options.timing },
  };
  // Starting from a repository asks the secret store: the owner's forge token, and whether Claude is signed in.
  deps.repoTokens ??= async (owner, forge) =>
    readSecret(deps, owner, forge === "github" ? "GITHUB_TOKEN" : "GITLAB_TOKEN")?.reveal();
  deps.claudeCredential ??= async (owner) => hasClaudeCredential(deps, owner);
  return deps;
}

/** The parts of CoreDeps that are the operator's rules; all required, so core never guesses one. */
export type Policies = Pick<
  CoreDeps,
  | "policy"
  | "guardrails"
  | "snapshots"
  | "hibernation"
  | "software"
  | "volumes"
  | "pool"
  | "workspace"
  | "tasks"
>;

/** Core's policies from the parsed settings (an unset setting is its documented default). */
export function policiesFrom(config: Config): Policies {
  return {
    policy: { ...config.policy },
    guardrails: { ...config.guardrails },
    snapshots: { ...config.snapshots },
    hibernation: { ...config.hibernation },
    software: config.software,
    volumes: { ...config.volumes },
    pool: config.pool,
    workspace: config.workspace,
    tasks: config.tasks,
  };
}

/** The secrets key from CCC_SECRETS_KEY or its file; none (secrets off) when neither is set. */
export function loadSecretsKey(config: Config): SecretsKey | undefined {
  const { key, keyFile } = config.secrets;
  if (key) return SecretsKey.parse(key.reveal(), "CCC_SECRETS_KEY");
  if (!keyFile) return undefined;
  let text: string;
  try {
    text = readFileSync(keyFile, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new ConfigError([`CCC_SECRETS_KEY_FILE: cannot read ${keyFile} (${code})`]);
  }
  try {
    return SecretsKey.parse(text, "CCC_SECRETS_KEY_FILE");
  } catch (error) {
    throw new ConfigError([error instanceof Error ? error.message : String(error)]);
  }
}

function readPublicKey(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}

function billingFrom(config: Config, options: ComposeOptions): { billing?: BillingSync } {
  const { secretKey, apiUrl, meterEvent } = config.stripe;
  if (!secretKey) return {};
  const api =
    options.billing ??
    new OnDemandBilling({ secretKey, meterEventName: meterEvent, ...(apiUrl ? { apiUrl } : {}) });
  return { billing: { api, directory: options.directory ?? noDirectory } };
}

/** The refusal when the CLI is pointed at a database that does not exist. */
function noDatabase(path: string): UserError {
  return new UserError(
    `There is no ccc database at ${path}. If ccc runs as a service, run this command with the service's settings ` +
      "(the `ccc` the deployment installs, or CCC_DB_PATH set to the service's database). " +
      "To start a new database here, run `ccc init` (or add --init).",
    { code: "no_database" },
  );
}
