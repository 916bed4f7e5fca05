import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { systemClock } from "./adapters/system-clock.ts";
import { ConfigError, type CoreEnv, fromRoot, missingSettings, REQUIRED_FOR_CLOUD } from "./config.ts";
import { Catalog } from "./core/catalog.ts";
import type { Clock } from "./core/clock.ts";
import type { CloudApi } from "./core/cloud.ts";
import { type CoreDeps, DEFAULT_TIMING } from "./core/deps.ts";
import { HetznerClient, type HetznerClientOptions } from "./core/hetzner/hetzner-client.ts";
import type { Installer } from "./core/installer.ts";
import { type Logger, silentLogger } from "./core/logger.ts";
import { type Notifier, silentNotifier } from "./core/notifier.ts";
import { OperatorKey } from "./core/operator-key.ts";
import { CatalogStore } from "./core/store/catalog-store.ts";
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
  timing?: Partial<CoreDeps["timing"]>;
  hetzner?: Pick<HetznerClientOptions, "retry" | "poll" | "fetch">;
}

/** Builds core's dependencies from parsed settings: the one place that opens the store and the adapters. */
export function composeCore(env: CoreEnv, options: ComposeOptions = {}): CoreDeps {
  const problems = [...(options.needCloud ? missingSettings(env, REQUIRED_FOR_CLOUD) : [])];
  if (problems.length > 0) throw new ConfigError(problems);
  const clock = options.clock ?? systemClock;
  const dbPath = env.CCC_DB_PATH === ":memory:" ? ":memory:" : fromRoot(env.CCC_DB_PATH);
  const dataDir = dbPath === ":memory:" ? fromRoot("data") : dirname(dbPath);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
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
  return {
    store,
    cloud,
    catalog: new Catalog(cloud, clock, undefined, new CatalogStore(store.db)),
    installer: options.installer ?? lazyNixosAnywhere(env.CCC_NIXOS_ANYWHERE),
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
      instancesDir: join(dataDir, "instances"),
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

/** nixos-anywhere, loaded (with execa, a tenth of a second) only once something is installed. */
function lazyNixosAnywhere(executable: string): Installer {
  let loaded: Promise<Installer> | undefined;
  return {
    install: async (request) => {
      loaded ??= import("./core/nixos-anywhere.ts").then((m) => new m.NixosAnywhere(executable));
      return (await loaded).install(request);
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
