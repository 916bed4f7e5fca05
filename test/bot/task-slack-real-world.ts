// Tasks through Slack with everything real but the clouds: signed requests into the real Bolt receiver, the
// fake Slack Web API recording the thread, a pool machine on the real sshd running the real ccc-apply (the
// systemd stand-ins run the unit as the real claude user), the real `claude` binary against the Anthropic
// stand-in, and the GitHub stand-in (clone, push, pull request). Used by test/bot/task-slack-real*.test.ts.
import { readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { type RunningBot, startBot } from "../../src/bot.ts";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import { type FakeAnthropic, type FakeTurn, startFakeAnthropic } from "../../stand-ins/fake-anthropic.ts";
import { type FakeSlack, type PostedMessage, startFakeSlack } from "../../stand-ins/fake-slack.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { FAST_HETZNER, FAST_TIMING } from "../helpers/harness.ts";
import { SlackSender } from "../helpers/slack-request.ts";
import {
  API_KEY,
  GH_TOKEN,
  GL_TOKEN,
  realTaskMachines,
  startTaskWorld,
  type TaskWorld,
  useAnthropic,
} from "../tasks/flow-world.ts";
import { ALICE, botEnv, captureLog, FAST_SLACK_CLIENT, type LogLine, SECRET } from "./bot-harness.ts";

export const BOT = "UCCCBOT";
export const CHANNEL = "C0ENG";

export interface SlackTaskWorld {
  t: TaskWorld;
  api: FakeAnthropic;
  slack: FakeSlack;
  bot: RunningBot;
  send: SlackSender;
  logs: LogLine[];
  /** The warm pool machine (null when the world was started cold). */
  machine: { id: string; ip: string; root: string } | null;
  /** The repository's folder on the warm machine, as Claude Code sees it. */
  repoDir: string;
  close(): Promise<void>;
}

export interface SlackTaskWorldOptions {
  /** Settings for ccc (e.g. CCC_TASK_MAX_TURNS). */
  env?: Record<string, string>;
  /** Alice's secrets; default her Claude API key and GitHub token (GitLab token with `gitlab`). */
  aliceSecrets?: Record<string, string>;
  /** Also the GitLab stand-in (`t.gl`, CCC_GITLAB_URL), serving the same repositories as GitLab projects. */
  gitlab?: boolean;
  /** Fill the pool with one running machine (default true). */
  warm?: boolean;
  turns?: FakeTurn[];
}

/** Starts the world; the caller closes it (in afterEach). */
export async function startSlackTaskWorld(options: SlackTaskWorldOptions = {}): Promise<SlackTaskWorld> {
  const api = await startFakeAnthropic({ keys: [API_KEY], turns: options.turns ?? [] });
  const t = await startTaskWorld({
    machineEnv: realTaskMachines,
    secrets: {},
    ...(options.env ? { env: options.env } : {}),
    ...(options.gitlab ? { gitlab: true } : {}),
  });
  const forgeToken = options.gitlab ? { GITLAB_TOKEN: GL_TOKEN } : { GITHUB_TOKEN: GH_TOKEN };
  for (const [name, value] of Object.entries(
    options.aliceSecrets ?? { ANTHROPIC_API_KEY: API_KEY, ...forgeToken },
  )) {
    t.setSecret(name, value, ALICE);
  }
  useAnthropic(t, api, ALICE);
  const machine = options.warm === false ? null : await t.warmMachine();
  const slack = await startFakeSlack();
  const { log, logs } = captureLog();
  const bot = await startBot(
    { ...botEnv(t.w.h, slack), SLACK_SIGNING_SECRET: SECRET },
    {
      host: "127.0.0.1",
      log,
      slack: FAST_SLACK_CLIENT,
      lifecycle: false,
      taskThreads: { pollMs: 100 },
      compose: { hetzner: FAST_HETZNER, timing: FAST_TIMING, ...t.compose },
    },
  );
  const send = new SlackSender(`http://127.0.0.1:${bot.port}/slack/events`, SECRET);
  return {
    t,
    api,
    slack,
    bot,
    send,
    logs,
    machine,
    repoDir: machine ? join(machine.root, "home/claude/work/app") : "",
    close: async () => {
      await bot.stop();
      await slack.close();
      await t.close();
      await api.close();
    },
  };
}

let tsCounter = 0;
/** A Slack message ts no other message of this process has. */
export function nextTs(): string {
  return `1700002000.${String(++tsCounter).padStart(6, "0")}`;
}

/** A message mentioning the bot (`text` as Slack sends it, escaped); its ts, the thread's root. */
export function mention(w: SlackTaskWorld, user: string, text: string, thread?: string): string {
  const ts = nextTs();
  void w.send.event({
    type: "app_mention",
    user,
    text,
    ts,
    channel: CHANNEL,
    event_ts: ts,
    ...(thread ? { thread_ts: thread } : {}),
  });
  return ts;
}

/** A plain message in a thread (Slack sends a `message` event; no mention of the bot). */
export function replyIn(w: SlackTaskWorld, user: string, thread: string, text: string): string {
  const ts = nextTs();
  void w.send.event({ type: "message", user, text, ts, channel: CHANNEL, thread_ts: thread, event_ts: ts });
  return ts;
}

/** The bot's messages in the thread `threadTs`, first post first. */
export function threadMessages(w: SlackTaskWorld, threadTs: string): PostedMessage[] {
  return w.slack.messages().filter((m) => m.channel === CHANNEL && m.threadTs === threadTs);
}

/** The bot's `nth` message in the thread (its status message for the nth ask). */
export function statusIn(w: SlackTaskWorld, threadTs: string, nth = 0): Promise<PostedMessage> {
  return w.slack.waitFor(() => threadMessages(w, threadTs)[nth], 60_000, `message ${nth} in the thread`);
}

/** Everything a message shows now (text and blocks), as one string. */
export function shownNow(w: SlackTaskWorld, ts: string): string {
  const m = w.slack.messages().find((x) => x.ts === ts);
  return m ? `${m.text}\n${JSON.stringify(m.blocks)}` : "";
}

/** Waits until the message `ts` shows what `check` looks for; what it shows then. */
export function until(
  w: SlackTaskWorld,
  ts: string,
  what: string,
  check: (shown: string) => boolean,
  timeoutMs = 90_000,
): Promise<string> {
  return waitForState(
    () => {
      const shown = shownNow(w, ts);
      return check(shown) ? shown : null;
    },
    timeoutMs,
    what,
  ).catch((error: unknown) => {
    // What the message showed instead, and the task's recorded steps: the reason, not just the timeout.
    const steps = w.bot.bot.deps.store.tasks
      .list(ALICE)
      .flatMap((t) =>
        w.bot.bot.deps.store.tasks.events(t.id, 0, 200).map((e) => `${t.id} ${e.body.slice(0, 160)}`),
      );
    throw new Error(`${String(error)}\nshown: ${shownNow(w, ts)}\nevents:\n${steps.join("\n")}`);
  });
}

/** A click on a button of the status message `ts`; where its ephemeral answer (if any) goes. */
export async function click(
  w: SlackTaskWorld,
  user: string,
  actionId: string,
  taskId: string,
  ts: string,
): Promise<string> {
  const responseUrl = w.slack.responseUrl();
  const res = await w.send.clickInMessage(user, actionId, taskId, { channel: CHANNEL, ts, responseUrl });
  if (res.status !== 200) throw new Error(`the click was answered ${res.status}: ${res.body}`);
  return responseUrl;
}

/** The ephemeral answer posted to `responseUrl`. */
export async function answerAt(w: SlackTaskWorld, responseUrl: string): Promise<string> {
  const call = await w.slack.waitFor(
    () => w.slack.calls("response_url").find((c) => c.body.path === new URL(responseUrl).pathname),
    10_000,
    "the ephemeral answer",
  );
  return `${String(call.body.text ?? "")}\n${JSON.stringify(call.body.blocks ?? [])}`;
}

/** The task the thread's status message belongs to (the store's row). */
export function taskOf(w: SlackTaskWorld, threadTs: string, statusTs: string) {
  const task = w.bot.bot.deps.store.tasks
    .list(ALICE)
    .find((x) => x.slack?.threadTs === threadTs && x.slack?.statusTs === statusTs);
  return task ?? null;
}

/** Processes running in this world's folders (the machine's claude runs there): must be none at the end. */
export function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** Claude Code's tool turns that write `file` and commit it (the real binary runs them on the machine). */
export function editAndCommit(
  repoDir: string,
  file: string,
  content: string,
  message: string,
): [FakeTurn, FakeTurn] {
  return [
    { toolUse: { name: "Write", input: { file_path: join(repoDir, file), content } } },
    {
      toolUse: {
        name: "Bash",
        input: { command: `git add ${file} && git commit -q -m '${message}'`, description: "Commit" },
      },
    },
  ];
}

/** A turn the stand-in holds (a model still thinking) until `open()`; then it answers `turn`. */
export function heldTurn(turn: FakeTurn): { turn: FakeTurn; open(): void } {
  let open = () => {};
  const hold = new Promise<void>((resolve) => {
    open = resolve;
  });
  // biome-ignore lint/suspicious/noThenProperty: the stand-in's held turn names what follows `then`
  return { turn: { hold, then: turn }, open: () => open() };
}

/**
 * The result under status message `ts` once its unkept machine's grace is set (CCC_TASK_GRACE_MINUTES, 10 here)
 * and shown: the message names that deadline. (The end is drawn before the grace is set, so wait for both.)
 */
export async function graceShown(w: SlackTaskWorld, ts: string): Promise<string> {
  const deps = w.bot.bot.deps;
  const graced = await waitForState(
    () => {
      const task = deps.store.tasks.list(ALICE).find((t) => t.slack?.statusTs === ts);
      const machine = task?.finishedAt && task.instanceId ? deps.store.get(task.instanceId) : null;
      return machine && machine.expiresAt.getTime() <= Date.now() + 10 * 60_000 ? machine : null;
    },
    60_000,
    "the grace set",
  );
  const token = `<!date^${Math.floor(graced.expiresAt.getTime() / 1000)}^`;
  return until(w, ts, "the grace shown", (s) => s.includes(token) && s.includes("unless you keep it"));
}

/** The lifecycle's expiry sweep as it runs once a grace is over (the real clock, 11 minutes ahead). */
export async function sweepPastGrace(w: SlackTaskWorld): Promise<void> {
  await runSweep({
    ...w.bot.bot.deps,
    clock: {
      now: () => new Date(Date.now() + 11 * 60_000),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    },
  });
}
