import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { minimalChildEnv } from "./adapters/child-env.ts";
import { systemClock } from "./adapters/system-clock.ts";
import { ConfigError, type CoreEnv, fromRoot, missingSettings, REQUIRED_FOR_CLOUD } from "./config.ts";
import { Catalog } from "./core/catalog.ts";
import type { Clock } from "./core/clock.ts";
import type { CloudApi } from "./core/cloud.ts";
import { type CoreDeps, DEFAULT_TIMING } from "./core/deps.ts";
import { HetznerClient, type HetznerClientOptions } from "./core/hetzner/hetzner-client.ts";
import type { Installer } from "./core/installer.ts";
import { type Logger, silentLogger } from "./core/logger.ts";
import { SshMachineChannel } from "./core/machine/machine-channel.ts";
import type { MachineChannel } from "./core/machine/machine-port.ts";
import { NixosAnywhere } from "./core/nixos-anywhere.ts";
import { type Notifier, silentNotifier } from "./core/notifier.ts";
import { OperatorKey } from "./core/operator-key.ts";
import { secureDataDir } from "./core/store/file-modes.ts";
import { InstanceStore } from "./core/store/instance-store.ts";

export interface ComposeOptions {
  clock?: Clock;
  log?: Logger;
  notifier?: Notifier;
  /** Refuse to start without the Hetzner token and operator key (every command that touches the cloud). */
  needCloud?: boolean;
  /** Replace parts for tests and benchmarks; production uses the real ones. */
  cloud?: CloudApi;
  installer?: Installer;
  machine?: MachineChannel;
  timing?: Partial<CoreDeps["timing"]>;
  hetzner?: Pick<HetznerClientOptions, "retry" | "poll" | "fetch">;
  /** The environment of the installer and ssh (the entry points pass `minimalChildEnv` of theirs). */
  childEnv?: Record<string, string>;
}

/** Builds core's dependencies from parsed settings: the one place that opens the store and the adapters. */
export function composeCore(env: CoreEnv, options: ComposeOptions = {}): CoreDeps {
  const problems = [...(options.needCloud ? missingSettings(env, REQUIRED_FOR_CLOUD) : [])];
  if (problems.length > 0) throw new ConfigError(problems);
  const clock = options.clock ?? systemClock;
  const dbPath = env.CCC_DB_PATH === ":memory:" ? ":memory:" : fromRoot(env.CCC_DB_PATH);
  const dataDir = dbPath === ":memory:" ? fromRoot("data") : dirname(dbPath);
  secureDataDir(dataDir);
  const store = InstanceStore.open(dbPath, clock);
  const cloud =
    options.cloud ??
    new HetznerClient({
      endpoint: env.HCLOUD_ENDPOINT,
      token: env.HCLOUD_TOKEN ?? "",
      clock,
      ...options.hetzner,
    });
  const keyPath = env.CCC_OPERATOR_SSH_KEY ? fromRoot(env.CCC_OPERATOR_SSH_KEY) : "";
  const publicKey = keyPath ? readPublicKey(`${keyPath}.pub`) : "";
  const instancesDir = join(dataDir, "instances");
  const childEnv = options.childEnv ?? minimalChildEnv({ PATH: env.PATH, USER: env.USER });
  return {
    store,
    cloud,
    catalog: new Catalog(cloud, clock),
    installer: options.installer ?? new NixosAnywhere(env.CCC_NIXOS_ANYWHERE, childEnv),
    machine: options.machine ?? new SshMachineChannel({ identityFile: keyPath, instancesDir, env: childEnv }),
    clock,
    log: options.log ?? silentLogger,
    notifier: options.notifier ?? silentNotifier,
    policy: {
      image: env.CCC_IMAGE,
      defaultServerType: env.CCC_DEFAULT_SERVER_TYPE,
      defaultLocation: env.CCC_DEFAULT_LOCATION,
      defaultHours: env.CCC_DEFAULT_HOURS,
      maxHours: env.CCC_MAX_HOURS,
      maxLifetimeHours: env.CCC_MAX_LIFETIME_HOURS,
      maxInstancesPerUser: env.CCC_MAX_INSTANCES_PER_USER,
    },
    operatorKey: new OperatorKey(keyPath, publicKey),
    paths: {
      flakeDir: fromRoot(env.CCC_FLAKE_DIR),
      instancesDir,
      logsDir: join(dataDir, "logs"),
    },
    timing: {
      sshPort: env.CCC_SSH_PORT,
      sshWaitMs: env.CCC_SSH_WAIT_SECONDS * 1000,
      installTimeoutMs: env.CCC_INSTALL_TIMEOUT_SECONDS * 1000,
      ...DEFAULT_TIMING,
      ...options.timing,
    },
  };
}

function readPublicKey(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}
