import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, LogLevel } from "@slack/bolt";
import { systemClock } from "./adapters/system-clock.ts";
import { type ComposeOptions, composeCore } from "./compose.ts";
import {
  ConfigError,
  installerProblems,
  loadEnv,
  missingBotSettings,
  missingSettings,
  REQUIRED_FOR_CLOUD,
} from "./config.ts";
import type { Logger } from "./core/logger.ts";
import { type Scheduler, startScheduler } from "./lifecycle/scheduler.ts";
import { lifecycleSettings } from "./lifecycle/settings.ts";
import { cronTicks, type TickSource } from "./lifecycle/ticks.ts";
import { ActionGate } from "./slack/action-gate.ts";
import { BackgroundTasks } from "./slack/background-tasks.ts";
import { boltLogger } from "./slack/bolt-logger.ts";
import type { BotContext } from "./slack/bot-context.ts";
import { registerSlashCommand } from "./slack/commands/register.ts";
import { HEALTH_PATH, healthHandler, startHealthServer } from "./slack/healthz.ts";
import { registerAppHome } from "./slack/listeners/app-home.ts";
import { registerInstanceButtons } from "./slack/listeners/instance-buttons.ts";
import { registerProvisionModal } from "./slack/listeners/provision-modal.ts";
import { jsonLogger } from "./slack/log.ts";
import { SlackNotifier } from "./slack/slack-notifier.ts";
import { within } from "./slack/timeout.ts";
import { createSlackWebClient, type SlackClientTuning, slackClientOptions } from "./slack/web-client.ts";

export interface BotOptions {
  /** Test and benchmark seams for core's adapters (clock, timings, cloud, installer). */
  compose?: ComposeOptions;
  log?: Logger;
  /** Interface to listen on; all by default. */
  host?: string;
  slack?: SlackClientTuning;
  /** How long the modal may wait for Hetzner's lists on a cold cache (default 2 s). */
  catalogWaitMs?: number;
  /** How often the cached types and locations are refreshed in the background (default 4 min). */
  catalogRefreshMs?: number;
  /** Run the expiry sweep, reminders and reconcile (default true). */
  lifecycle?: boolean;
  /** What drives the lifecycle jobs (default node-cron on real time; tests step a fake clock). */
  ticks?: TickSource;
}

export interface RunningBot {
  app: App;
  /** The port the HTTP receiver (or, in Socket Mode, the health server) listens on. */
  port: number;
  bot: BotContext;
  /** The lifecycle jobs, when running. */
  scheduler: Scheduler | null;
  /** Stops receiving, waits for work in progress, closes the store. */
  stop(): Promise<void>;
}

/** The composition root: settings → store and adapters → Bolt app with its listeners → listening. */
export async function startBot(
  rawEnv: Record<string, string | undefined>,
  options: BotOptions = {},
): Promise<RunningBot> {
  const installerCheck = options.compose?.installer ? [] : [installerProblems];
  const env = loadEnv(rawEnv, [
    missingBotSettings,
    (e) => missingSettings(e, REQUIRED_FOR_CLOUD),
    ...installerCheck,
  ]);
  const token = env.SLACK_BOT_TOKEN as string;
  const log = options.log ?? jsonLogger();
  const clock = options.compose?.clock ?? systemClock;
  const client = createSlackWebClient(token, env.SLACK_API_URL, log, options.slack);
  const notifier = new SlackNotifier(client, { admins: env.CCC_ADMINS, clock, log });
  const deps = composeCore(env, { log, notifier, ...options.compose });
  const tasks = new BackgroundTasks(log);
  const bot: BotContext = {
    deps,
    client,
    admins: new Set(env.CCC_ADMINS),
    log,
    tasks,
    gate: new ActionGate(clock),
    catalogWaitMs: options.catalogWaitMs ?? 2_000,
  };

  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  const app = new App({
    token,
    logger: boltLogger(log),
    logLevel: LogLevel.INFO,
    clientOptions: slackClientOptions(env.SLACK_API_URL, options.slack),
    deferInitialization: true,
    ...(socketMode
      ? { socketMode: true, appToken: env.SLACK_APP_TOKEN as string }
      : {
          signingSecret: env.SLACK_SIGNING_SECRET as string,
          // Ack first, work after: the HTTP answer must not wait for the listener.
          processBeforeResponse: false,
          customRoutes: [{ path: HEALTH_PATH, method: ["GET"], handler: healthHandler(deps.store) }],
        }),
  });
  try {
    await app.init(); // auth.test: a wrong token stops here, with Slack's reason
  } catch (error) {
    deps.store.close();
    throw error;
  }
  registerSlashCommand(app, bot);
  registerProvisionModal(app, bot);
  registerInstanceButtons(app, bot);
  registerAppHome(app, bot);
  app.error(async (error) => {
    log.error("unhandled listener error", { error: error.message });
  });

  // Warm and keep warm the catalog, so a modal never waits for Hetzner within its 3 s.
  const refresh = () =>
    deps.catalog
      .load()
      .catch((error: unknown) => log.warn("catalog refresh failed", { error: String(error) }));
  await within(refresh(), 5_000); // a slow Hetzner does not hold up the start; the modal says "try again"
  const refresher = setInterval(() => void refresh(), options.catalogRefreshMs ?? 4 * 60_000);
  refresher.unref();

  let port: number;
  let healthServer: Server | null = null;
  let httpServer: Server | null = null;
  if (socketMode) {
    healthServer = await startHealthServer(deps.store, env.PORT, options.host);
    port = (healthServer.address() as AddressInfo).port;
    await app.start();
  } else {
    httpServer = (await app.start({
      port: env.PORT,
      ...(options.host ? { host: options.host } : {}),
    })) as Server;
    port = (httpServer.address() as AddressInfo).port;
  }
  checkAdmins(bot, env.CCC_ADMINS);
  // Reconciles once now (a restart may have left provisions half done), then on its schedule.
  const scheduler =
    options.lifecycle === false
      ? null
      : startScheduler(deps, lifecycleSettings(env), options.ticks ?? cronTicks);
  log.info("ccc bot started", { mode: socketMode ? "socket" : "http", port, admins: env.CCC_ADMINS.length });

  let stopped = false;
  return {
    app,
    port,
    bot,
    scheduler,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(refresher);
      const closing = app
        .stop()
        .catch((error: unknown) => log.warn("stopping the receiver", { error: String(error) }));
      httpServer?.closeAllConnections();
      await closing;
      await scheduler?.stop();
      await tasks.idle();
      if (healthServer) await new Promise((resolve) => healthServer?.close(resolve));
      deps.store.close();
    },
  };
}

/** A mistyped admin id silently takes admin rights away; say so in the log at start-up. */
function checkAdmins(bot: BotContext, admins: string[]): void {
  bot.tasks.run("check admins", async () => {
    for (const user of admins) {
      try {
        const info = await bot.client.users.info({ user });
        if (info.user?.deleted) bot.log.warn("CCC_ADMINS names a deactivated user", { user });
      } catch (error) {
        bot.log.warn("CCC_ADMINS names an unknown user", { user, error: String(error) });
      }
    }
  });
}

/** The process entry point behind `npm start` (bin/ccc-bot.js). */
export async function main(): Promise<void> {
  let running: RunningBot;
  try {
    running = await startBot(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    const reason = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
    process.stderr.write(`ccc bot could not start: ${reason}\n`);
    process.exit(1);
  }
  const shutdown = () => {
    void running.stop().finally(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
