// Everything `npm run demo` runs, in this one process, on 127.0.0.1 only: the Hetzner stand-in with
// realistic timings, machine stand-ins (real sshd and the real ccc-apply on loopback addresses), the
// Slack stand-in, and the real bot (HTTP receiver, dashboard, API, lifecycle, warm pool) composed from
// settings the way an operator sets them. Only the stand-ins are not ccc.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { type RunningBot, startBot } from "../src/bot.ts";
import { PROJECT_ROOT } from "../src/config.ts";
import { createSignInLink } from "../src/core/identity/sign-in.ts";
import { setUserKey } from "../src/core/instances/user-key.ts";
import { generateHostKey } from "../src/core/machine/host-key.ts";
import type { Logger } from "../src/core/ports/logger.ts";
import { type FakeHetzner, startFakeHetzner } from "../stand-ins/fake-hetzner.ts";
import { type FakeMachines, startFakeMachines } from "../stand-ins/fake-machines.ts";
import { FAKE_TEAM_ID, type FakeSlack, startFakeSlack } from "../stand-ins/fake-slack.ts";
import { DEMO_CREDENTIALS } from "./refusal.ts";
import { type DemoPerson, SLACK_PANEL_PATH, slackPanelRoutes } from "./slack-panel.ts";

export const DEMO_PERSON: DemoPerson = { id: "U0DEMO1", label: "Demo person" };
export const DEMO_ADMIN: DemoPerson = { id: "U0DEMOADMIN", label: "Demo admin" };

/** Production-like durations at speed 1 (a `--speed 10` demo runs ten times as fast). */
const TIMINGS_MS = {
  create: 10_000,
  boot: 2_000,
  install: 20_000,
  delete: 2_000,
  snapshot: 8_000,
  other: 2_000,
};

export interface DemoOptions {
  /** Where the data goes (a fresh temporary folder, made by the caller). */
  dir: string;
  /** The dashboard's port; a free one when 0. */
  port: number;
  /** How many times faster than real time the stand-ins work. */
  speed: number;
  /** The warm pool's size. */
  pool: number;
  log: Logger;
}

export interface Demo {
  url: string;
  slackUrl: string;
  /** One-time sign-in links (10 minutes). */
  personLink: string;
  adminLink: string;
  /** The demo person's key pair: the private key's path logs in to their machines. */
  personKey: string;
  /** The demo admin's, for a machine shared with them. */
  adminKey: string;
  sshPort: number;
  /** What to set for the `ccc` command line to work on this demo. */
  cliEnv: Record<string, string>;
  bot: RunningBot;
  cloud: FakeHetzner;
  slack: FakeSlack;
  machines: FakeMachines;
  stop(): Promise<void>;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { dir } = options;
  const scaled = (ms: number) => Math.max(1, Math.round(ms / options.speed));
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const keys = join(dir, "keys");
    mkdirSync(keys, { recursive: true, mode: 0o700 });
    const operatorKey = writeKey(keys, "operator", "ccc-operator@demo");
    const personKey = writeKey(keys, "demo-person", "demo-person@ccc-demo");
    const adminKey = writeKey(keys, "demo-admin", "demo-admin@ccc-demo");

    const machines = await startFakeMachines({
      dir: join(dir, "machines"),
      operatorPublicKey: operatorKey.publicKey,
      bootMs: scaled(TIMINGS_MS.boot),
      installMs: scaled(TIMINGS_MS.install),
      onProblem: (message) => options.log.warn("demo machine", { problem: message }),
    });
    stops.push(() => machines.close());
    const cloud = await startFakeHetzner({
      token: DEMO_CREDENTIALS.HCLOUD_TOKEN,
      actionDurationMs: scaled(TIMINGS_MS.other),
      actionDurations: {
        create_server: scaled(TIMINGS_MS.create),
        delete_server: scaled(TIMINGS_MS.delete),
        create_image: scaled(TIMINGS_MS.snapshot),
      },
      rateLimit: 36_000,
      onServerRunning: (server) => machines.serverRunning(server),
    });
    // A person may make requests the fake has no route for; the demo keeps going (close() would fail).
    stops.push(() => cloud.close().catch(() => undefined));
    machines.follow(cloud);
    const slack = await startFakeSlack({ token: DEMO_CREDENTIALS.SLACK_BOT_TOKEN });
    stops.push(() => slack.close());

    const port = options.port || (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const signingSecret = randomBytes(16).toString("hex");
    const env: Record<string, string> = {
      HCLOUD_TOKEN: cloud.token,
      HCLOUD_ENDPOINT: cloud.url,
      CCC_DB_PATH: join(dir, "data", "ccc.db"),
      CCC_NIXOS_ANYWHERE: machines.installerPath,
      CCC_OPERATOR_SSH_KEY: operatorKey.path,
      CCC_FLAKE_DIR: join(PROJECT_ROOT, "nix"),
      CCC_SSH_PORT: String(machines.sshPort),
      CCC_SSH_WAIT_SECONDS: "600",
      CCC_INSTALL_TIMEOUT_SECONDS: "900",
      CCC_OPERATOR_NAME: "demo-operator",
      CCC_POOL: options.pool > 0 ? `cx23@fsn1=${options.pool}` : "",
      CCC_USER_MONTHLY_BUDGET_EUR: "25",
      CCC_TEAM_MONTHLY_BUDGET_EUR: "200",
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      SLACK_SIGNING_SECRET: signingSecret,
      CCC_ADMINS: DEMO_ADMIN.id,
      PORT: String(port),
      CCC_PUBLIC_URL: url,
      // No forge stands in here: a repository or a token given in the demo goes to a loopback port where
      // nothing answers (said as "could not be reached"), never to the real GitHub or GitLab.
      CCC_GITHUB_API_URL: "http://127.0.0.1:9",
      CCC_GITLAB_API_URL: "http://127.0.0.1:9",
      PATH: process.env.PATH ?? "/usr/bin:/bin",
    };
    if (!env.CCC_POOL) delete env.CCC_POOL;
    let botPort = port;
    const bot = await startBot(env, {
      host: "127.0.0.1",
      log: options.log,
      compose: {
        hetzner: { poll: { initialMs: scaled(1_000), factor: 1.5, maxMs: scaled(4_000) } },
        timing: { sshProbeIntervalMs: scaled(500), actionFirstCheckMs: scaled(2_000) },
      },
      routes: () =>
        slackPanelRoutes({
          slack,
          people: [DEMO_PERSON, DEMO_ADMIN],
          teamId: FAKE_TEAM_ID,
          signingSecret,
          port: () => botPort,
        }),
    });
    botPort = bot.port;
    stops.push(() => bot.stop());
    const { deps } = bot.bot;
    // Both have a key on record: the form is filled in, `ssh` works with the printed key, shares work at once.
    await setUserKey(deps, { id: DEMO_PERSON.id, isAdmin: false }, DEMO_PERSON.id, personKey.publicKey);
    await setUserKey(deps, { id: DEMO_ADMIN.id, isAdmin: true }, DEMO_ADMIN.id, adminKey.publicKey);
    // Fill the warm pool now rather than at the first sweep tick, a minute away.
    deps.refillPoolSoon?.();
    const link = (user: string) => createSignInLink(deps, user, url).url;
    return {
      url,
      slackUrl: `${url}${SLACK_PANEL_PATH}`,
      personLink: link(DEMO_PERSON.id),
      adminLink: link(DEMO_ADMIN.id),
      personKey: personKey.path,
      adminKey: adminKey.path,
      sshPort: machines.sshPort,
      cliEnv: {
        HCLOUD_TOKEN: env.HCLOUD_TOKEN ?? "",
        HCLOUD_ENDPOINT: env.HCLOUD_ENDPOINT ?? "",
        CCC_DB_PATH: env.CCC_DB_PATH ?? "",
        CCC_NIXOS_ANYWHERE: env.CCC_NIXOS_ANYWHERE ?? "",
        CCC_OPERATOR_SSH_KEY: env.CCC_OPERATOR_SSH_KEY ?? "",
        CCC_FLAKE_DIR: env.CCC_FLAKE_DIR ?? "",
        CCC_SSH_PORT: env.CCC_SSH_PORT ?? "",
        CCC_OPERATOR_NAME: "demo-operator",
        SLACK_BOT_TOKEN: env.SLACK_BOT_TOKEN ?? "",
        SLACK_API_URL: env.SLACK_API_URL ?? "",
        CCC_ADMINS: DEMO_ADMIN.id,
        ...(env.CCC_POOL ? { CCC_POOL: env.CCC_POOL } : {}),
        CCC_USER_MONTHLY_BUDGET_EUR: env.CCC_USER_MONTHLY_BUDGET_EUR ?? "",
        CCC_TEAM_MONTHLY_BUDGET_EUR: env.CCC_TEAM_MONTHLY_BUDGET_EUR ?? "",
      },
      bot,
      cloud,
      slack,
      machines,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function writeKey(dir: string, name: string, comment: string): { path: string; publicKey: string } {
  const pair = generateHostKey(comment);
  const path = join(dir, name);
  writeFileSync(path, pair.privateKey, { mode: 0o600 });
  chmodSync(path, 0o600);
  writeFileSync(`${path}.pub`, `${pair.publicKey}\n`);
  return { path, publicKey: pair.publicKey };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}
