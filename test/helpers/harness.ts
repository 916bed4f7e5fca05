// Stands up everything core talks to, for real: a fake Hetzner API over HTTP, SSH banners on the
// fake servers' loopback addresses, a stand-in nixos-anywhere executable, a SQLite file in a fresh
// temporary folder, and core's dependencies composed from settings the way the entry points do it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ComposeOptions } from "../../src/compose.ts";
import { PROJECT_ROOT } from "../../src/config.ts";
import type { CoreDeps } from "../../src/core/deps.ts";
import { isLive } from "../../src/core/instances/instance.ts";
import {
  type FakeHetzner,
  type FakeHetznerOptions,
  type FakeServer,
  startFakeHetzner,
} from "../../stand-ins/fake-hetzner.ts";
import { createFakeInstaller, type FakeInstaller } from "../../stand-ins/fake-installer.ts";
import { type SshBanner, startSshBanner } from "../../stand-ins/ssh-banner.ts";
import { buildCoreDeps } from "./core-deps.ts";
import { writeOperatorKey } from "./keys.ts";

export interface Harness {
  dir: string;
  /** Settings pointing ccc at the fakes, as an operator would set them. */
  env: Record<string, string>;
  cloud: FakeHetzner;
  ssh: SshBanner;
  installer: FakeInstaller;
  /** Core's dependencies, composed from `env` (call `compose` again for a second process's view). */
  deps: CoreDeps;
  compose(options?: ComposeOptions): CoreDeps;
  /** Servers at the fake cloud that the store does not know as live: must be empty after every test. */
  strayServers(deps?: CoreDeps): FakeServer[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  cloud?: FakeHetznerOptions;
  env?: Record<string, string>;
  compose?: ComposeOptions;
  /** Leave SSH closed when a server boots (the test opens it itself). */
  manualSsh?: boolean;
}

/** Timings that keep tests fast while exercising the same code paths. */
export const FAST_TIMING = { sshProbeIntervalMs: 20, actionFirstCheckMs: 100 } as const;
export const FAST_HETZNER = {
  retry: { baseDelayMs: 1, maxDelayMs: 5 },
  poll: { initialMs: 5, factor: 1.5, maxMs: 20 },
} as const;

/** An address where nothing answers (the discard port on loopback): the harness's forges by default. */
export const NO_FORGE = "http://127.0.0.1:9";

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "ccc-test-"));
  const ssh = await startSshBanner();
  const cloud = await startFakeHetzner({
    ...(options.manualSsh ? {} : { onServerRunning: (s: FakeServer) => void ssh.open(s.public_net.ipv4.ip) }),
    ...options.cloud,
  });
  const installer = createFakeInstaller(dir);
  const env: Record<string, string> = {
    HCLOUD_TOKEN: cloud.token,
    HCLOUD_ENDPOINT: cloud.url,
    CCC_DB_PATH: join(dir, "data", "ccc.db"),
    CCC_NIXOS_ANYWHERE: installer.path,
    CCC_OPERATOR_SSH_KEY: writeOperatorKey(dir),
    CCC_FLAKE_DIR: join(PROJECT_ROOT, "nix"),
    CCC_SSH_PORT: String(ssh.port),
    CCC_SSH_WAIT_SECONDS: "5",
    CCC_INSTALL_TIMEOUT_SECONDS: "20",
    // Never the real forges: a test (or bench) that wants one points these at a stand-in. Nothing listens
    // here, so a GITHUB_TOKEN set without one is stored unchecked ("GitHub did not answer").
    CCC_GITHUB_API_URL: NO_FORGE,
    CCC_GITLAB_API_URL: `${NO_FORGE}/api/v4`,
    ...options.env,
  };
  const opened: CoreDeps[] = [];
  const compose = (extra: ComposeOptions = {}) => {
    const deps = buildCoreDeps(env, {
      needCloud: true,
      hetzner: FAST_HETZNER,
      ...options.compose,
      ...extra,
      timing: { ...FAST_TIMING, ...options.compose?.timing, ...extra.timing },
    });
    opened.push(deps);
    return deps;
  };
  const deps = compose();
  return {
    dir,
    env,
    cloud,
    ssh,
    installer,
    deps,
    compose,
    strayServers: (view = deps) =>
      cloud.servers().filter((server) => {
        const row = view.store.get(server.name);
        return !row || !isLive(row.status);
      }),
    close: async () => {
      for (const d of opened) d.store.close();
      try {
        // Rejects when ccc sent the fake a request it has no route, parameter or field for.
        await cloud.close();
      } finally {
        await ssh.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
