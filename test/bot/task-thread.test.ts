// Issue 22, tasks in Slack, through signed requests into the real Bolt receiver and the fake Slack Web API:
// the ask (a mention, /ccc task, a channel's default repository), the answer in a thread at once, refusals
// said there before anything is spent, and the one status message edited in place at most once a second
// per channel (checked on the fake's timestamps), with the newest state always landing.
import { describe, expect, it } from "vitest";
import type { Task } from "../../src/core/tasks/task.ts";
import { TASK_ACTIONS } from "../../src/render/block-kit/task-blocks.ts";
import { ALICE, BOB, type BotHarness, command, shown } from "./bot-harness.ts";
import { useBotHarness } from "./use-bot.ts";

const BOT = "UCCCBOT";
const CHANNEL = "C0ENG";
// No redraw for the elapsed time alone within a test: each edit here is caused by news (or a refused edit).
const b = useBotHarness(() => ({ bot: { taskThreads: { pollMs: 50, tickMs: 600_000 } } }));

let tsCounter = 0;
const nextTs = () => `1700001000.${String(++tsCounter).padStart(6, "0")}`;

function mention(harness: BotHarness, user: string, text: string, thread?: string) {
  const ts = nextTs();
  const sent = harness.send.event({
    type: "app_mention",
    user,
    text,
    ts,
    channel: CHANNEL,
    event_ts: ts,
    ...(thread ? { thread_ts: thread } : {}),
  });
  return { ts, sent };
}

/** A task as the task verb records it, already in its Slack thread (no machine: the thread is what is tested). */
function storedTask(harness: BotHarness, id: string, slack: Task["slack"]): void {
  const deps = harness.running.bot.deps;
  deps.store.tasks.insertUnder(
    {
      id,
      owner: ALICE,
      actor: ALICE,
      repo: "acme/api",
      repoUrl: "https://github.com/acme/api.git",
      repoName: "api",
      repoPath: "acme/api",
      forge: "github",
      prompt: "fix the flaky login test",
      branch: `ccc/${id}`,
      maxTurns: 50,
      maxMinutes: 60,
      slack,
      parentId: null,
      createdAt: deps.clock.now(),
    },
    5,
  );
  deps.store.tasks.update(id, { status: "running", startedAt: deps.clock.now() }, deps.clock.now());
}

const line = (value: unknown) => JSON.stringify(value);
const editLine = (path: string) =>
  line({
    type: "assistant",
    message: {
      content: [
        {
          type: "tool_use",
          id: `tu-${path}`,
          name: "Edit",
          input: { file_path: `/home/claude/work/api/${path}` },
        },
      ],
    },
  });

describe("asking in Slack", () => {
  it("answers a mention without a repository in its thread, at once, with how to name one", async () => {
    const { ts, sent } = mention(b, ALICE, `<@${BOT}> fix the flaky login test`);
    const res = await sent;
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3_000);
    const answer = await b.slack.waitFor(
      () => b.slack.calls("chat.postMessage").find((c) => c.body.thread_ts === ts),
      10_000,
      "the answer in the thread",
    );
    expect(answer.body.channel).toBe(CHANNEL);
    expect(String(answer.body.text)).toContain("Which repository?");
    expect(String(answer.body.text)).toContain("/ccc channel repo acme/api");
    expect(b.running.bot.deps.store.tasks.list(ALICE)).toEqual([]);
  });

  it("sets the channel's default with /ccc channel repo, typed in that channel", async () => {
    const url = b.slack.responseUrl();
    const res = await b.send.command(ALICE, "channel repo acme/api", url, { channel: CHANNEL });
    expect(
      shown({ text: String(res.json?.text ?? ""), blocks: (res.json?.blocks as unknown[]) ?? [] }),
    ).toContain("without a repository work on `acme/api`");
    expect(b.running.bot.deps.store.channelRepos.get(CHANNEL)).toMatchObject({
      repo: "acme/api",
      setBy: ALICE,
    });
    // Another channel has none.
    expect(await command(b, BOB, "channel repo")).toContain("no default repository");
  });

  it("says a refusal in the thread (no Claude credential) and spends nothing", async () => {
    const servers = b.h.cloud.servers().length;
    const { ts } = mention(b, ALICE, `<@${BOT}> in acme/api: fix "it"\nnow`);
    const status = await b.slack.waitFor(
      () =>
        b.slack
          .messages()
          .find((m) => m.channel === CHANNEL && m.history.length >= 2 && m.text.includes("credential")),
      10_000,
      "the refusal in the status message",
    );
    const post = b.slack.calls("chat.postMessage").find((c) => c.body.thread_ts === ts);
    expect(post?.body.text).toContain("Getting a machine ready for acme/api");
    expect(status.text).toContain("A task needs your Claude credential");
    expect(b.h.cloud.servers().length).toBe(servers);
    expect(b.running.bot.deps.store.tasks.list(ALICE)).toEqual([]);
  });

  it("refuses an empty /ccc task with an example", async () => {
    const answer = await command(b, ALICE, "task acme/api   ");
    expect(answer).toContain("Say what to do: `/ccc task acme/api fix the flaky login test`.");
  });
});

/** A thread (the ask, then a status message in it) and a running task recorded in it; the status message. */
async function taskInThread(id: string) {
  const parent = await b.running.bot.client.chat.postMessage({ channel: CHANNEL, text: "ask" });
  const status = await b.running.bot.client.chat.postMessage({
    channel: CHANNEL,
    text: "…",
    thread_ts: parent.ts,
  });
  storedTask(b, id, { channel: CHANNEL, threadTs: parent.ts ?? "", statusTs: status.ts ?? "" });
  return status;
}

describe("the status message", () => {
  it("is edited at most once a second per channel, coalesced, ending on the newest state", async () => {
    const deps = b.running.bot.deps;
    const id = "tsk-pace2345";
    const status = await taskInThread(id);
    // 40 events over about two seconds: far more than one a second.
    for (let i = 0; i < 40; i++) {
      deps.store.tasks.appendEvents(
        id,
        [{ line: i, kind: "claude", body: editLine(`src/file${i}.ts`) }],
        deps.clock.now(),
      );
      deps.store.tasks.update(id, { turns: i + 1 }, deps.clock.now());
      await new Promise((r) => setTimeout(r, 50));
    }
    const last = await b.slack.waitFor(
      () => {
        const m = b.slack.messages().find((x) => x.ts === status.ts);
        return m?.text.includes("Claude Code is working") && JSON.stringify(m.blocks).includes("40 turns")
          ? m
          : null;
      },
      30_000,
      "the newest state in the status message",
    );
    expect(JSON.stringify(last.blocks)).toContain("Edit src/file39.ts");
    expect(JSON.stringify(last.blocks)).toContain("40 files");
    const writes = b.slack
      .calls()
      .filter(
        (c) => (c.method === "chat.update" || c.method === "chat.postMessage") && c.body.channel === CHANNEL,
      );
    const edits = writes.filter((c) => c.method === "chat.update");
    expect(edits.length).toBeGreaterThan(1);
    expect(edits.length).toBeLessThan(10);
    // The two posts came from the test itself, not through the pacer; from the first edit on, every write
    // to the channel is at least a second after the one before, as Slack received them.
    const paced = writes.slice(writes.indexOf(edits[0] as (typeof writes)[number]));
    expect(paced.length).toBe(edits.length);
    for (let i = 1; i < paced.length; i++) {
      expect((paced[i]?.at ?? 0) - (paced[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
    }
  }, 60_000);

  it("draws an edit Slack refused again, with no news to overtake it", async () => {
    const deps = b.running.bot.deps;
    const id = "tsk-fail2345";
    const status = await taskInThread(id);
    const shows = (text: string) => () => {
      const m = b.slack.messages().find((x) => x.ts === status.ts);
      return m && JSON.stringify(m.blocks).includes(text) ? m : null;
    };
    await b.slack.waitFor(shows("Claude Code is working"), 30_000, "the task drawn");
    // The next edit fails once (not a rate limit, which the client retries itself); nothing comes after it.
    b.slack.fail("chat.update", { error: "internal_error" });
    deps.store.tasks.appendEvents(
      id,
      [{ line: 0, kind: "claude", body: editLine("src/only.ts") }],
      deps.clock.now(),
    );
    await b.slack.waitFor(shows("Edit src/only.ts"), 30_000, "the refused state drawn again");
    const failedThenOk = b.slack
      .calls("chat.update")
      .filter((c) => c.body.ts === status.ts)
      .map((c) => JSON.stringify(c.body.blocks).includes("src/only.ts"));
    expect(failedThenOk.filter(Boolean).length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it("follows a task to the status message it is given later (a reply first recorded with the thread's first)", async () => {
    const deps = b.running.bot.deps;
    const parent = await b.running.bot.client.chat.postMessage({ channel: CHANNEL, text: "ask" });
    const post = () =>
      b.running.bot.client.chat.postMessage({ channel: CHANNEL, text: "…", thread_ts: parent.ts });
    const first = await post();
    const own = await post();
    const id = "tsk-move2345";
    storedTask(b, id, { channel: CHANNEL, threadTs: parent.ts ?? "", statusTs: first.ts ?? "" });
    const working = (ts: string | undefined) =>
      b.slack.messages().find((m) => m.ts === ts && m.text.includes("Claude Code is working"));
    await b.slack.waitFor(() => working(first.ts), 10_000, "the task drawn on the first message");
    deps.store.tasks.update(
      id,
      { slack: { channel: CHANNEL, threadTs: parent.ts ?? "", statusTs: own.ts ?? "" } },
      deps.clock.now(),
    );
    const firstVersions = b.slack.messages().find((m) => m.ts === first.ts)?.history.length;
    deps.store.tasks.appendEvents(
      id,
      [{ line: 0, kind: "claude", body: editLine("src/a.ts") }],
      deps.clock.now(),
    );
    const moved = await b.slack.waitFor(() => working(own.ts), 10_000, "the task drawn on its own message");
    expect(JSON.stringify(moved.blocks)).toContain("Edit src/a.ts");
    expect(b.slack.messages().find((m) => m.ts === first.ts)?.history.length).toBe(firstVersions);
  });

  it("cancels for the owner, refuses someone else, and shows who cancelled", async () => {
    const parent = await b.running.bot.client.chat.postMessage({ channel: CHANNEL, text: "ask" });
    const status = await b.running.bot.client.chat.postMessage({
      channel: CHANNEL,
      text: "…",
      thread_ts: parent.ts,
    });
    const id = "tsk-cncl2345";
    storedTask(b, id, { channel: CHANNEL, threadTs: parent.ts ?? "", statusTs: status.ts ?? "" });
    const where = { channel: CHANNEL, ts: status.ts ?? "", responseUrl: b.slack.responseUrl() };
    await b.send.clickInMessage(BOB, TASK_ACTIONS.cancel, id, where);
    const refused = await b.slack.waitFor(
      () => b.slack.calls("response_url").find((c) => c.body.path === new URL(where.responseUrl).pathname),
      10_000,
    );
    expect(String(refused.body.text)).toContain("is not yours, so you cannot cancel it");
    expect(b.running.bot.deps.store.tasks.get(id)?.status).toBe("running");
    await b.send.clickInMessage(ALICE, TASK_ACTIONS.cancel, id, {
      ...where,
      responseUrl: b.slack.responseUrl(),
    });
    const cancelled = await b.slack.waitFor(
      () => b.slack.messages().find((m) => m.ts === status.ts && m.text.includes("was cancelled")),
      10_000,
    );
    expect(JSON.stringify(cancelled.blocks)).toContain(`Cancelled on \`acme/api\` by <@${ALICE}>`);
    expect(b.running.bot.deps.store.tasks.get(id)?.status).toBe("cancelled");
  });
});
