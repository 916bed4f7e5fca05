// Issue 22 end to end through Slack: signed requests into the real Bolt receiver, the fake Slack Web API
// recording the thread, a pool machine served by the real sshd running the real ccc-apply (which clones as
// the real claude user from the GitHub stand-in), and the machine's Claude Code played by a scripted
// TaskChannel (test/tasks/task-e2e.test.ts runs the real claude). The ask, the thread, the one status
// message, the pull request, Keep / Cancel / Open shell as signed block_actions, and a reply continuing.
import { afterEach, describe, expect, it } from "vitest";
import { type RunningBot, startBot } from "../../src/bot.ts";
import { TASK_ACTIONS } from "../../src/render/block-kit/task-blocks.ts";
import { type FakeSlack, type PostedMessage, startFakeSlack } from "../../stand-ins/fake-slack.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { FAST_HETZNER, FAST_TIMING } from "../helpers/harness.ts";
import { SlackSender } from "../helpers/slack-request.ts";
import { API_KEY, GH_TOKEN, startTaskWorld, type TaskWorld } from "../tasks/flow-world.ts";
import { ScriptedTaskChannel, stream } from "../tasks/scripted-task-channel.ts";
import { ALICE, BOB, botEnv, captureLog, FAST_SLACK_CLIENT, SECRET } from "./bot-harness.ts";

const BOT = "UCCCBOT";
const CHANNEL = "C0ENG";

interface World {
  t: TaskWorld;
  channel: ScriptedTaskChannel;
  slack: FakeSlack;
  bot: RunningBot;
  send: SlackSender;
}

let world: World | null = null;
afterEach(async () => {
  await world?.bot.stop();
  await world?.slack.close();
  await world?.t.close();
  world = null;
});

async function startWorld(): Promise<World> {
  let channel: ScriptedTaskChannel | null = null;
  const t = await startTaskWorld({
    channel: ({ bare }) => {
      channel = new ScriptedTaskChannel((name) => bare(name));
      return channel;
    },
  });
  t.setSecret("ANTHROPIC_API_KEY", API_KEY, ALICE);
  t.setSecret("GITHUB_TOKEN", GH_TOKEN, ALICE);
  await t.warmMachine();
  const slack = await startFakeSlack();
  const { log } = captureLog();
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
  world = { t, channel: channel as unknown as ScriptedTaskChannel, slack, bot, send };
  return world;
}

let tsCounter = 0;
function mention(w: World, user: string, text: string, thread?: string): string {
  const ts = `1700002000.${String(++tsCounter).padStart(6, "0")}`;
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

/** The bot's `nth` message in the thread `threadTs` (its status message), as the fake keeps it. */
async function statusIn(w: World, threadTs: string, nth = 0): Promise<PostedMessage> {
  const post = await w.slack.waitFor(
    () => w.slack.calls("chat.postMessage").filter((c) => c.body.thread_ts === threadTs)[nth],
    20_000,
    "the status message in the thread",
  );
  const first = String(post.body.text ?? "");
  return w.slack
    .messages()
    .filter((m) => m.channel === CHANNEL && m.history[0]?.text === first)
    .at(-1) as PostedMessage;
}

async function until(w: World, ts: string, what: string, check: (shown: string) => boolean): Promise<string> {
  return waitForState(
    () => {
      const m = w.slack.messages().find((x) => x.ts === ts);
      const shown = m ? `${m.text}\n${JSON.stringify(m.blocks)}` : "";
      return check(shown) ? shown : null;
    },
    30_000,
    what,
  );
}

const PROMPT = `fix the "flaky" login test: it's \`npm test\` and $(whoami) in\nthe second line`;

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)("tasks through Slack", () => {
  it("asks by mention, keeps one status message in the thread, and ends with the pull request", async () => {
    const w = await startWorld();
    const asked = mention(w, ALICE, `<@${BOT}> in acme/app: ${PROMPT.replace("&", "&amp;")}`);
    const status = await statusIn(w, asked);
    expect(status.text).toContain("Getting a machine ready for acme/app");
    const doc = await waitForState(() => w.channel.starts[0], 30_000, "Claude Code to start on the machine");
    // The words as typed, through Slack's escaping and the machine's document.
    expect(doc.prompt).toBe(PROMPT);
    const task = w.bot.bot.deps.store.tasks.get(doc.taskId);
    expect(task?.slack).toEqual({ channel: CHANNEL, threadTs: asked, statusTs: status.ts });

    w.channel.emit(doc.taskId, stream.init(), stream.edit("/home/claude/work/app/src/login.ts"));
    await until(w, status.ts, "the tool in the status message", (s) => s.includes("Edit src/login.ts"));
    w.channel.commits = [{ "src/login.ts": "export const wait = 2;\n" }];
    w.channel.emit(
      doc.taskId,
      stream.toolResult("tu-src/login.ts"),
      stream.result({ costUsd: 0.5, turns: 3 }),
    );
    w.channel.exit(doc.taskId, 0);
    const done = await until(w, status.ts, "the pull request in the status message", (s) =>
      s.includes("is done"),
    );
    expect(done).toContain(`<${w.t.gh.url}/acme/app/pull/1|pull request>`);
    expect(done).toContain("src/login.ts | 2 +-");
    expect(done).toContain("Fixed the flaky login test");
    expect(done).toContain("$0.50");
    await until(w, status.ts, "the machine deleted", (s) => s.includes("deleted."));
    // Everything about the task is in the thread: one status message (plus nothing else posted there).
    const inThread = w.slack.calls("chat.postMessage").filter((c) => c.body.thread_ts === asked);
    expect(inThread).toHaveLength(1);
    // At most one write a second in the channel, as the fake received them.
    const edits = w.slack.calls("chat.update").filter((c) => c.body.channel === CHANNEL);
    for (let i = 1; i < edits.length; i++) {
      expect((edits[i]?.at ?? 0) - (edits[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
    }
    const all = JSON.stringify(w.slack.calls());
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(GH_TOKEN);
  }, 120_000);

  it("keeps the machine, DMs the shell to the owner only, and a reply in the thread continues the session", async () => {
    const w = await startWorld();
    const asked = mention(w, ALICE, `<@${BOT}> in acme/app: look around`);
    const status = await statusIn(w, asked);
    const doc = await waitForState(() => w.channel.starts[0], 30_000, "Claude Code to start");
    const where = (_user: string) => ({
      channel: CHANNEL,
      ts: status.ts,
      responseUrl: w.slack.responseUrl(),
    });
    await w.send.clickInMessage(ALICE, TASK_ACTIONS.keep, doc.taskId, where(ALICE));
    await until(w, status.ts, "kept", (s) => s.includes("kept after the task"));

    const bobClick = where(BOB);
    await w.send.clickInMessage(BOB, TASK_ACTIONS.shell, doc.taskId, bobClick);
    const refused = await w.slack.waitFor(() =>
      w.slack.calls("response_url").find((c) => c.body.path === new URL(bobClick.responseUrl).pathname),
    );
    expect(String(refused.body.text)).toContain("is not yours");
    await w.send.clickInMessage(ALICE, TASK_ACTIONS.shell, doc.taskId, where(ALICE));
    const dm = await w.slack.waitFor(() =>
      w.slack.messages().find((m) => m.channel === "D0ALICE" && m.text.includes("ssh")),
    );
    expect(dm.text).toMatch(/ssh (-p \d+ )?claude@/);
    expect(JSON.stringify(dm.blocks)).toContain("known_hosts");

    w.channel.emit(doc.taskId, stream.init(), stream.text("Nothing to change."), stream.result({ turns: 1 }));
    w.channel.exit(doc.taskId, 0);
    await until(w, status.ts, "no change", (s) => s.includes("changed nothing"));

    // The owner's reply in the thread: the same session on the same (kept) machine, a new status message.
    void w.send.event({
      type: "message",
      user: ALICE,
      text: "now also `update` the README &amp; say so",
      ts: "1700003000.000001",
      channel: CHANNEL,
      thread_ts: asked,
    });
    const second = await waitForState(() => w.channel.starts[1], 30_000, "the reply to start");
    expect(second.prompt).toBe("now also `update` the README & say so");
    expect(second.resumeSessionId).toBe("sess-1");
    const next = await statusIn(w, asked, 1);
    expect(next.ts).not.toBe(status.ts);
    // Someone else talking in the thread starts nothing.
    void w.send.event({
      type: "message",
      user: BOB,
      text: "nice",
      ts: "1700003000.000002",
      channel: CHANNEL,
      thread_ts: asked,
    });
    w.channel.emit(second.taskId, stream.init(), stream.result({ turns: 1 }));
    w.channel.exit(second.taskId, 0);
    await until(w, next.ts, "the reply's end", (s) => s.includes("changed nothing"));
    expect(w.channel.starts).toHaveLength(2);
  }, 120_000);

  it("says which way a task failed, with its last events, and Delete now ends a kept machine", async () => {
    const w = await startWorld();
    const asked = mention(w, ALICE, `<@${BOT}> in acme/app: refactor everything`);
    const status = await statusIn(w, asked);
    const doc = await waitForState(() => w.channel.starts[0], 30_000, "Claude Code to start");
    const click = (action: string) =>
      w.send.clickInMessage(ALICE, action, doc.taskId, {
        channel: CHANNEL,
        ts: status.ts,
        responseUrl: w.slack.responseUrl(),
      });
    await click(TASK_ACTIONS.keep);
    await until(w, status.ts, "kept", (s) => s.includes("kept after the task"));
    w.channel.emit(
      doc.taskId,
      stream.init(),
      stream.edit("/home/claude/work/app/src/a.ts"),
      stream.result({ subtype: "error_max_turns", isError: true, turns: 50, text: "" }),
    );
    w.channel.exit(doc.taskId, 1);
    const failed = await until(w, status.ts, "the failure", (s) => s.includes("failed"));
    expect(failed).toMatch(/turn/i);
    expect(failed).toContain("Last events:");
    expect(failed).toContain("Edit src/a.ts");
    expect(failed).toContain(TASK_ACTIONS.deleteNow);
    const instanceId = w.bot.bot.deps.store.tasks.get(doc.taskId)?.instanceId ?? "";
    expect(w.bot.bot.deps.store.get(instanceId)?.status).toBe("ready");
    await click(TASK_ACTIONS.deleteNow);
    await until(w, status.ts, "the machine deleted", (s) => s.includes(`Machine \`${instanceId}\` deleted.`));
    expect(w.bot.bot.deps.store.get(instanceId)?.status).toBe("deleted");
  }, 120_000);

  it("asks with /ccc task in a thread of its own, and cancels from it", async () => {
    const w = await startWorld();
    const res = await w.send.command(
      ALICE,
      "task acme/app take your time\n  and `care`",
      w.slack.responseUrl(),
      {
        channel: CHANNEL,
      },
    );
    expect(res.status).toBe(200);
    const parent = await w.slack.waitFor(() =>
      w.slack.calls("chat.postMessage").find((c) => c.body.channel === CHANNEL && !c.body.thread_ts),
    );
    expect(String(parent.body.text)).toBe(`<@${ALICE}> asked for a task on acme/app`);
    const asked = (
      w.slack.messages().find((m) => m.channel === CHANNEL && m.text === parent.body.text) as PostedMessage
    ).ts;
    const status = await statusIn(w, asked);
    const doc = await waitForState(() => w.channel.starts[0], 30_000, "Claude Code to start");
    expect(doc.prompt).toBe("take your time\n  and `care`");
    await until(w, status.ts, "running", (s) => s.includes("Claude Code is working"));
    await w.send.clickInMessage(ALICE, TASK_ACTIONS.cancel, doc.taskId, {
      channel: CHANNEL,
      ts: status.ts,
      responseUrl: w.slack.responseUrl(),
    });
    const shown = await until(w, status.ts, "cancelled", (s) => s.includes("was cancelled"));
    expect(shown).toContain(`by <@${ALICE}>`);
    expect(w.channel.cancels).toContain(doc.taskId);
  }, 120_000);
});
