import type { Catalog } from "./cloud/catalog.ts";
import type { Guardrails } from "./guardrails/guardrails.ts";
import type { HibernationSettings } from "./hibernate/hibernation-settings.ts";
import type { Policy } from "./instances/policy.ts";
import type { PoolSettings } from "./pool/pool-settings.ts";
import type { BillingSync } from "./ports/billing-sync.ts";
import type { Clock } from "./ports/clock.ts";
import type { CloudApi } from "./ports/cloud.ts";
import type { Forges } from "./ports/forge.ts";
import type { Installer } from "./ports/installer.ts";
import type { Logger } from "./ports/logger.ts";
import type { MachineChannel } from "./ports/machine.ts";
import type { Metrics } from "./ports/metrics.ts";
import type { Notifier } from "./ports/notifier.ts";
import type { TaskChannel } from "./ports/task-machine.ts";
import type { OperatorKey } from "./provision/operator-key.ts";
import type { SecretsKey } from "./secrets/secret-cipher.ts";
import type { SnapshotPolicy } from "./snapshots/snapshot-policy.ts";
import type { SoftwarePolicy } from "./software/software-policy.ts";
import type { Store } from "./store/store.ts";
import type { TaskSettings } from "./tasks/task-settings.ts";
import type { VolumePolicy } from "./volumes/volume-policy.ts";
import type { ClaudeCredential, RepoTokens, WorkspaceSettings } from "./workspace/workspace-settings.ts";

/** Everything the use cases need, built once by an entry point (see src/compose.ts). */
export interface CoreDeps {
  store: Store;
  cloud: CloudApi;
  catalog: Catalog;
  installer: Installer;
  /** Changes running machines over SSH (`ccc-apply`). */
  machine: MachineChannel;
  clock: Clock;
  log: Logger;
  notifier: Notifier;
  /** Counters and timings for /metrics; none when left out. */
  metrics?: Metrics;
  policy: Policy;
  /** Spending limits: allowed types, the hourly ceiling, minimum hours, creations per hour. */
  guardrails: Guardrails;
  /** Usage billed through Stripe; absent while STRIPE_SECRET_KEY is unset. */
  billing?: BillingSync;
  /** Where people reach the web dashboard (`CCC_PUBLIC_URL`); sign-in links start with it. */
  publicUrl?: string | undefined;
  // The policies are required: the operator's settings (src/compose.ts), or in tests the defaults
  // an operator who set nothing has (test/helpers/core-deps.ts); core never guesses one.
  /** Retention and quota of snapshots. */
  snapshots: SnapshotPolicy;
  /** Extra software people may ask for. */
  software: SoftwarePolicy;
  /** Work volumes' sizes and retention. */
  volumes: VolumePolicy;
  /** Idle machines hibernate (snapshot, delete, wake on request). */
  hibernation: HibernationSettings;
  /** The warm pool (no targets: none). */
  pool: PoolSettings;
  /** Asks for a refill pass soon (the bot's scheduler); a process without one leaves it to the next tick. */
  refillPoolSoon?: () => void;
  /** A person's Slack display name (their id when unknown); the bot sets it once Slack's identity is up. */
  personName?: (userId: string) => Promise<string>;
  /** Starting from a repository: the forges' addresses. */
  workspace: WorkspaceSettings;
  /** GitHub's and GitLab's REST APIs: repository reads, token checks, pull and merge requests. */
  forges: Forges;
  /** The owner's GITHUB_TOKEN / GITLAB_TOKEN (the secret store); every repository is checked as public without it. */
  repoTokens?: RepoTokens;
  /** Whether the owner set a Claude credential (the secret store); unknown without it. */
  claudeCredential?: ClaudeCredential;
  /** Tasks' settings (issue 22): on or off, caps, tasks at once per person. */
  tasks: TaskSettings;
  /** The machine side of tasks (over the pinned channel); tasks cannot run without it. */
  taskChannel?: TaskChannel;
  operatorKey: OperatorKey;
  /** The key people's secrets are sealed with (`CCC_SECRETS_KEY`); secrets are off when left out. */
  secretsKey?: SecretsKey | undefined;
  paths: {
    /** Absolute path of the project's flake (`nix/`). */
    flakeDir: string;
    /** Per-instance flake directories go here. */
    instancesDir: string;
    /** Per-instance installer logs go here. */
    logsDir: string;
  };
  timing: {
    sshPort: number;
    sshWaitMs: number;
    installTimeoutMs: number;
    /** Pause between SSH connection attempts. */
    sshProbeIntervalMs: number;
    /** First look at the create action while waiting for SSH; later looks double the gap. */
    actionFirstCheckMs: number;
  };
}

export const DEFAULT_TIMING = {
  sshProbeIntervalMs: 2_000,
  actionFirstCheckMs: 5_000,
} as const;
