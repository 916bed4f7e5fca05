import { App, LogLevel } from "@slack/bolt";
import { minimalChildEnv } from "./adapters/child-env.ts";
import { jsonLogger } from "./adapters/json-logger.ts";
import { slackDirectory } from "./adapters/slack/slack-directory.ts";
import { SlackNotifier } from "./adapters/slack/slack-notifier.ts";
import {
  createSlackWebClient,
  type SlackClientTuning,
  slackClientOptions,
} from "./adapters/slack/web-client.ts";
import { systemClock } from "./adapters/system-clock.ts";
import { apiErrorBody, apiRoutes } from "./api/api-routes.ts";
import { type ComposeOptions, composeCore } from "./compose.ts";
import { ConfigError, logLevelOf } from "./config.ts";
import type { Identity } from "./core/identity/identity.ts";
import type { Logger } from "./core/ports/logger.ts";
import { secretsStatus } from "./core/secrets/secrets.ts";
import { volumePricePerGb } from "./core/volumes/volume-price.ts";
import { within } from "./core/within.ts";
import { ActionGate } from "./doors/action-gate.ts";
import { BackgroundTasks } from "./doors/background-tasks.ts";
import { installExitPolicy } from "./exit-policy.ts";
import { healthRoute } from "./http/health.ts";
import type { HttpLimits } from "./http/limits.ts";
import { type HttpServer, type Route, startHttpServer } from "./http/server.ts";
import { type Scheduler, startScheduler } from "./lifecycle/scheduler.ts";
import { cronTicks, type TickSource } from "./lifecycle/ticks.ts";
import { metricsRoute } from "./metrics/metrics-route.ts";
import { PrometheusMetrics } from "./metrics/prometheus-metrics.ts";
import { loadConfig } from "./preflight.ts";
import type { BotContext } from "./slack/bot-context.ts";
import { LiveDm } from "./slack/direct-message.ts";
import { publishHome } from "./slack/home.ts";
import { identityGuard } from "./slack/identity/identity-guard.ts";
import { startIdentity } from "./slack/identity/start-identity.ts";
import { registerAgainButton } from "./slack/listeners/again-button.ts";
import { registerAppHome } from "./slack/listeners/app-home.ts";
import { registerHibernationButtons } from "./slack/listeners/hibernation-buttons.ts";
import { registerInstanceButtons } from "./slack/listeners/instance-buttons.ts";
import { registerKeyModal } from "./slack/listeners/key-modal.ts";
import { registerProvisionModal } from "./slack/listeners/provision-modal.ts";
import { registerSnapshotButtons } from "./slack/listeners/snapshot-buttons.ts";
import { registerTaskListeners } from "./slack/listeners/task-listeners.ts";
import { registerVolumeButtons } from "./slack/listeners/volume-buttons.ts";
import { boltLogger } from "./slack/receiver/bolt-logger.ts";
import { replayGuard } from "./slack/receiver/replay-guard.ts";
import { secretFieldGuard } from "./slack/receiver/secret-field-guard.ts";
import { SlackReceiver } from "./slack/receiver/slack-receiver.ts";
import { createSocketReceiver, type SocketTuning } from "./slack/receiver/socket-receiver.ts";
import { registerSlashCommand } from "./slack/slash/register.ts";
import { ChannelPacer } from "./slack/task/channel-pacer.ts";
import { TaskThreads, type TaskThreadsOptions } from "./slack/task/task-threads.ts";
import { cccVersion } from "./version.ts";
import { dashboardRoutes } from "./web/web-setup.ts";

export interface BotOptions {
  /** Test and benchmark seams for core's adapters (clock, timings, cloud, installer). */
  compose?: ComposeOptions;
  log?: Logger;
  /** Interface to listen on; all by default. */
  host?: string;
  slack?: SlackClientTuning;
  /** Socket Mode's reconnect timing and apps.connections.open retry (its own, patient one). */
  socket?: SocketTuning;
  /** How long the modal may wait for Hetzner's lists on a cold cache (default 2 s). */
  catalogWaitMs?: number;
  /** How often the cached types and locations are refreshed in the background (default 4 min). */
  catalogRefreshMs?: number;
  /** Run the expiry sweep, reminders and reconcile (default true). */
  lifecycle?: boolean;
  /** The HTTP server's limits (body size, timeouts, connections); see src/http/limits.ts. */
  http?: Partial<HttpLimits>;
  /** What drives the lifecycle jobs (default node-cron on real time; tests step a fake clock). */
  ticks?: TickSource;
  /** More routes on the bot's HTTP server (the demo's Slack panel). */
  routes?: (bot: BotContext) => Route[];
  /** How tasks' Slack threads look for news in the store (tests: faster). */
  taskThreads?: TaskThreadsOptions;
}

export interface RunningBot {
  app: App;
  /** The port of the HTTP server: `/healthz`, and in HTTP mode `/slack/events`. */
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
  // An injected installer (tests, benchmarks) needs no nixos-anywhere on PATH.
  const config = loadConfig(rawEnv, { bot: true, cloud: true, installer: !options.compose?.installer });
  const { slack } = config;
  const token = slack.botToken ?? "";
  const log = options.log ?? jsonLogger(undefined, config.logLevel);
  const clock = options.compose?.clock ?? systemClock;
  const client = createSlackWebClient(token, slack.apiUrl, log, options.slack);
  const notifier = new SlackNotifier(client, {
    admins: slack.admins,
    clock,
    log,
    sshPort: config.timing.sshPort,
  });
  const metrics = new PrometheusMetrics({ version: cccVersion() });
  const childEnv = minimalChildEnv(rawEnv);
  const directory = slackDirectory(client);
  const deps = composeCore(config, { log, notifier, metrics, childEnv, directory, ...options.compose });
  metrics.countMachinesWith(() => deps.store.machinesByStatus());
  // Part of the start report: whether people's secrets can be set and delivered, and why not.
  const secrets = secretsStatus(deps);
  if (secrets.ok) log.info(secrets.line);
  else log.warn(secrets.line);
  const tasks = new BackgroundTasks(log);

  const socketMode = Boolean(slack.appToken);
  // Our own receiver in HTTP mode: Bolt's buffers 4 MB before it checks a signature.
  const receiver = socketMode
    ? null
    : new SlackReceiver({ signingSecret: slack.signingSecret ?? "", clock, log, onAck: metrics.slackAck });
  const app = new App({
    token,
    logger: boltLogger(log),
    logLevel: LogLevel.INFO,
    clientOptions: slackClientOptions(slack.apiUrl, options.slack),
    deferInitialization: true,
    ...(receiver
      ? { receiver }
      : {
          socketMode: true,
          receiver: createSocketReceiver(
            slack.appToken ?? "",
            slack.apiUrl,
            log,
            options.socket,
            metrics.slackAck,
          ),
        }),
  });
  let identity: Identity;
  try {
    await app.init(); // auth.test: a wrong token stops here, with Slack's reason
    identity = await startIdentity(client, {
      ...config.identity,
      admins: slack.admins,
      clock,
      // Whoever Slack no longer lets in is signed out of the dashboard everywhere, at once.
      onRefused: (user, reason) => {
        const ended = deps.store.web.removeSessionsOf(user);
        if (ended > 0) log.info("web sessions ended", { user, reason, sessions: ended });
      },
    });
  } catch (error) {
    deps.store.close();
    throw error;
  }
  // Tasks commit as the person (core/tasks/task-git-identity.ts): their Slack display name.
  deps.personName ??= (userId) => identity.nameOf(userId);
  // Stops the Slack door's task followers when the bot stops (the scheduler's sweep, here or in the next
  // bot, takes the tasks up again from the last recorded line).
  const following = new AbortController();
  const bot: BotContext = {
    deps,
    client,
    identity,
    log,
    tasks,
    gate: new ActionGate(clock),
    catalogWaitMs: options.catalogWaitMs ?? 2_000,
    // Build progress and other work that outlives its request reach people as a DM edited in place.
    people: {
      live: (userId) => new LiveDm(client, log, userId),
      refreshHome: (userId) => publishHome(bot, userId),
    },
    // Slack's pace is real time (one write a second per channel), whatever clock ccc's decisions run on.
    taskDoor: {
      threads: new TaskThreads(deps, client, log, new ChannelPacer(systemClock), options.taskThreads),
      stopping: following.signal,
    },
  };
  app.use(replayGuard(deps.store.seenRequests, clock, log));
  app.use(identityGuard(identity, log));
  app.use(secretFieldGuard(log));
  registerSlashCommand(app, bot);
  registerProvisionModal(app, bot);
  registerInstanceButtons(app, bot);
  registerKeyModal(app, bot);
  registerSnapshotButtons(app, bot);
  registerHibernationButtons(app, bot);
  registerAgainButton(app, bot);
  registerVolumeButtons(app, bot);
  registerAppHome(app, bot);
  registerTaskListeners(app, bot);
  app.error(async (error) => {
    log.error("unhandled listener error", { error: error.message });
  });

  // Warm and keep warm the catalog, so a modal never waits for Hetzner within its 3 s.
  const refresh = () =>
    Promise.all([
      deps.catalog.load(),
      // The "Keep my work" price in the same form; never fails.
      volumePricePerGb(deps),
    ]).catch((error: unknown) => log.warn("catalog refresh failed", { error: String(error) }));
  await within(refresh(), 5_000); // a slow Hetzner does not hold up the start; the modal says "try again"
  const refresher = setInterval(() => void refresh(), options.catalogRefreshMs ?? 4 * 60_000);
  refresher.unref();

  // One HTTP server in both modes; `/slack/events` only in HTTP mode.
  const routes: Route[] = [
    healthRoute(deps.store),
    metricsRoute(metrics, slack.metricsToken),
    ...(receiver ? [receiver.route] : []),
    ...dashboardRoutes(bot, config),
    ...apiRoutes({
      deps,
      identity,
      ...config.api,
      tasks,
      serial: (id, work) => bot.gate.serial(id, work),
      log,
      publicUrl: config.web.publicUrl,
    }),
    ...(options.routes?.(bot) ?? []),
  ];
  let listening: HttpServer | null = null;
  try {
    listening = await startHttpServer({
      port: slack.port,
      host: options.host,
      routes,
      limits: options.http,
      log,
      errorBody: apiErrorBody,
      observe: metrics.httpRequest,
    });
    await app.start();
  } catch (error) {
    clearInterval(refresher);
    await listening?.close();
    deps.store.close();
    throw error;
  }
  const server = listening;
  const port = server.port;
  bot.taskDoor?.threads.start();
  checkAdmins(bot, slack.admins);
  // Reconciles once now (a restart may have left provisions half done), then on its schedule.
  const scheduler =
    options.lifecycle === false
      ? null
      : startScheduler(
          deps,
          { ...config.lifecycle, idleCron: config.hibernation.idleCron },
          options.ticks ?? cronTicks,
        );
  log.info("ccc bot started", {
    version: cccVersion(),
    database: config.paths.db,
    mode: socketMode ? "socket" : "http",
    port,
    admins: slack.admins.length,
  });

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
      await app.stop().catch((error: unknown) => log.warn("stopping the receiver", { error: String(error) }));
      await server.close();
      following.abort();
      await bot.taskDoor?.threads.stop();
      await scheduler?.stop();
      await tasks.idle();
      deps.store.close();
      log.info("ccc bot stopped", { version: cccVersion(), database: config.paths.db });
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

/** The process entry point behind `npm start` (bin/ccc-bot.js); `options` are test seams. */
export async function main(options: BotOptions = {}): Promise<void> {
  const log = options.log ?? jsonLogger(undefined, logLevelOf(process.env));
  let running: RunningBot | null = null;
  installExitPolicy(process, log, async () => running?.stop());
  try {
    // The doctor's checks first, one log line each (short timeouts; see src/doctor/start-report.ts).
    const { startReport, reportPublicUrl } = await import("./doctor/start-report.ts");
    await startReport(process.env, log).catch((error: unknown) =>
      log.warn("start checks failed", { error: String(error) }),
    );
    running = await startBot(process.env, { ...options, log });
    void reportPublicUrl(process.env, log).catch(() => {});
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    const reason = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
    process.stderr.write(`ccc bot could not start: ${reason}\n`);
    process.exit(1);
  }
}
