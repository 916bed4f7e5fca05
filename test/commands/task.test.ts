// `ccc task` through the real CLI door, on a pool machine (real sshd, the real ccc-apply cloning as the real
// claude user from the GitHub stand-in), with the machine's Claude Code played by a scripted TaskChannel:
// the bot side's rules, refusals, following, push, pull request, cost and clean-up. The end-to-end runs
// with the real claude are in test/tasks/ (machine lost and budget spent mid-run: task-life-real-lost.test.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { drain } from "../../src/commands/progress.ts";
import { followTask, replyToTask, taskCommand } from "../../src/commands/task.ts";
import { runSweep } from "../../src/core/lifecycle/sweep.ts";
import { deleteTaskMachine } from "../../src/core/tasks/end-task.ts";
import { TASK_ACTIONS } from "../../src/render/block-kit/task-blocks.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { API_KEY, GH_TOKEN, OAUTH_TOKEN, startTaskWorld, type TaskWorld } from "../tasks/flow-world.ts";
import { ScriptedTaskChannel, stream } from "../tasks/scripted-task-channel.ts";

let world: TaskWorld | undefined;
let channel: ScriptedTaskChannel;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function makeWorld(options: Parameters<typeof startTaskWorld>[0] = {}): Promise<TaskWorld> {
  world = await startTaskWorld({
    channel: ({ bare }) => {
      channel = new ScriptedTaskChannel((name) => bare(name));
      return channel;
    },
    ...options,
  });
  return world;
}

/** The real clock, `ms` ahead: the expiry sweep as it runs once a grace is over. */
const later = (ms: number) => ({
  now: () => new Date(Date.now() + ms),
  sleep: (wait: number) => new Promise<void>((r) => setTimeout(r, wait)),
});

/** ccc's own recorded steps of a task, `[step, detail]`, in order. */
function shownSteps(t: TaskWorld, taskId: string): [string, string | undefined][] {
  return t.w.deps.store.tasks
    .events(taskId)
    .filter((row) => row.line === null)
    .map((row) => {
      const event = JSON.parse(row.body) as { step: string; detail?: string };
      return [event.step, event.detail];
    });
}

const PROMPT = `fix the "flaky" login test: it's \`npm test\` and $(whoami) in
the second line`;

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)("ccc task", () => {
  it("runs the task, pushes, opens the pull request, records cost and events, and deletes the machine after its grace", async () => {
    const t = await makeWorld();
    const machine = await t.warmMachine();
    const running = runCcc(t.w.h, ["task", "acme/app", PROMPT, "--wait", "--max-turns", "10"], {
      compose: t.compose,
    });
    const doc = await waitForState(() => channel.starts[0], 30_000, "the task to start on the machine");
    expect(doc).toMatchObject({
      kind: "task-start",
      repoName: "app",
      prompt: PROMPT,
      maxTurns: 10,
      maxMinutes: 60,
      resumeSessionId: null,
    });
    expect(doc.branch).toBe(`ccc/${doc.taskId}`);
    expect(doc.taskId).toMatch(/^tsk-[a-z2-9]{8}$/);
    expect(doc.appendSystemPrompt).toContain("commit your work");
    channel.commits = [{ "src/login.ts": "export const wait = 2;\n" }];
    channel.emit(
      doc.taskId,
      stream.init(),
      stream.edit("src/login.ts"),
      stream.toolResult("tu-src/login.ts"),
    );
    channel.emit(doc.taskId, stream.text("Done."), stream.result({ costUsd: 0.5, turns: 3 }));
    channel.exit(doc.taskId, 0);
    const done = await running;

    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain(`Task ${doc.taskId} on acme/app: done.`);
    expect(done.stdout).toContain(`Pull request: ${t.gh.url}/acme/app/pull/1`);
    expect(done.stdout).toContain("src/login.ts | 2 +-");
    expect(done.stderr).toContain("Edit src/login.ts");
    // Cloned by the real ccc-apply on the pool machine before Claude Code started.
    expect(readFileSync(join(machine.root, "home/claude/work/app/src/login.ts"), "utf8")).toBe(
      "export const wait = 1;\n",
    );
    expect(t.gh.pulls).toEqual([
      expect.objectContaining({
        repo: "acme/app",
        head: doc.branch,
        base: "main",
        title: 'fix the "flaky" login test: it\'s `npm test` and $(whoami) in',
        token: GH_TOKEN,
      }),
    ]);
    expect(t.gh.pulls[0]?.body).toContain("Fixed the flaky login test by waiting for the session cookie.");
    const task = t.w.deps.store.tasks.get(doc.taskId);
    expect(task).toMatchObject({ status: "succeeded", turns: 3, costUsd: "0.5", sessionId: "sess-1" });
    // $0.50 at the default 0.86 €/$ = €0.43, counted in the month's spending.
    expect(BigInt(task?.costEur ?? "0")).toBe(43n * 10n ** 14n);
    // Each line recorded once, in order, and ccc's own steps between.
    const events = t.w.deps.store.tasks.events(doc.taskId);
    expect(events.filter((e) => e.line !== null).map((e) => e.line)).toEqual([0, 1, 2, 3, 4]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // Not kept: the machine waits out its grace (CCC_TASK_GRACE_MINUTES, 10) and says until when; then the
    // expiry sweep deletes it, and nothing is left at Hetzner (test/tasks/task-grace.test.ts has the rest).
    const instance = t.w.deps.store.get(task?.instanceId ?? "");
    expect(instance?.status).toBe("ready");
    expect(done.stdout).toContain(`This machine (${instance?.id}) is deleted at `);
    expect(done.stdout).toContain(`unless you keep it: ccc tasks keep ${doc.taskId}`);
    const graceEnd = (task?.finishedAt?.getTime() ?? 0) + 10 * 60_000;
    expect(Math.abs((instance?.expiresAt.getTime() ?? 0) - graceEnd)).toBeLessThan(2_000);
    await runSweep({ ...t.w.deps, clock: later(11 * 60_000) });
    expect(t.w.deps.store.get(instance?.id ?? "")?.status).toBe("deleted");
    expect(t.w.h.strayServers()).toEqual([]);
    expect(done.stdout + done.stderr).not.toContain(API_KEY);
    expect(done.stdout + done.stderr).not.toContain(GH_TOKEN);
  }, 90_000);
});

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)("ccc task refusals", () => {
  it("refuses clearly before anything is spent: off, caps, no credential, subscription token, private repo, too many at once", async () => {
    const t = await makeWorld();
    await t.warmMachine();
    const servers = t.w.h.cloud.servers().length;
    const refused = async (args: string[], message: string, env: Record<string, string> = {}) => {
      const run = await runCcc(t.w.h, ["task", ...args], { compose: t.compose, env });
      expect({ code: run.code, message: run.stderr.includes(message) ? message : run.stderr }).toEqual({
        code: 2,
        message,
      });
      expect(run.stdout + run.stderr).not.toContain(API_KEY);
      expect(run.stdout + run.stderr).not.toContain(GH_TOKEN);
      expect(run.stdout + run.stderr).not.toContain(OAUTH_TOKEN);
    };
    await refused(["acme/app", "x"], "Tasks are turned off here (the operator set CCC_TASKS=false).", {
      CCC_TASKS: "false",
    });
    await refused(["acme/app", "x", "--max-turns", "51"], "A task may run at most 50 turns here");
    await refused(["acme/app", "x", "--max-minutes", "61"], "A task may run at most 60 minutes here");
    await refused(["acme/app", "   "], "Say what Claude Code should do.");
    t.w.deps.store.secrets.remove("opal", "ANTHROPIC_API_KEY");
    await refused(["acme/app", "x"], "A task needs your Claude credential and you have none");
    t.setSecret("CLAUDE_CODE_OAUTH_TOKEN", OAUTH_TOKEN);
    await refused(
      ["acme/app", "x"],
      "a subscription (Pro/Max) token, CLAUDE_CODE_OAUTH_TOKEN, is for your own use",
    );
    t.setSecret("ANTHROPIC_API_KEY", API_KEY);
    t.w.deps.store.secrets.remove("opal", "GITHUB_TOKEN");
    await refused(
      ["acme/private", "x"],
      "ccc cannot read GitHub repository acme/private: it does not exist or is private, and you have no GITHUB_TOKEN set",
    );
    await refused(
      ["acme/app", "x"],
      "A task pushes its branch and opens the pull request with your GITHUB_TOKEN",
    );
    t.setSecret("GITHUB_TOKEN", GH_TOKEN);
    for (const id of ["tsk-aaaaaaaa", "tsk-bbbbbbbb"]) {
      t.w.deps.store.tasks.insertUnder(
        {
          id,
          owner: "opal",
          actor: "opal",
          repo: "acme/app",
          repoUrl: `${t.gh.url}/acme/app.git`,
          repoName: "app",
          repoPath: "acme/app",
          forge: "github",
          prompt: "x",
          branch: `ccc/${id}`,
          maxTurns: 5,
          maxMinutes: 5,
          slack: null,
          parentId: null,
          createdAt: new Date(),
        },
        10,
      );
    }
    await refused(["acme/app", "x"], "You have 2 tasks running, the most at once here");
    // Nothing was recorded or spent: no machine, the pool machine still waiting, no server made.
    expect(t.w.deps.store.list()).toEqual([]);
    expect(t.w.deps.store.pool.list().map((m) => m.state)).toEqual(["ready"]);
    expect(t.w.h.cloud.servers()).toHaveLength(servers);
    expect(
      t.w.deps.store.tasks
        .list("opal")
        .map((x) => x.id)
        .sort(),
    ).toEqual(["tsk-aaaaaaaa", "tsk-bbbbbbbb"]);
    expect(t.gh.pulls).toEqual([]);
  }, 90_000);
});

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)("ccc task endings", () => {
  /** Starts a task with --wait and answers its id and the finished run. */
  async function startWaiting(t: TaskWorld, extra: string[] = []) {
    await t.warmMachine();
    const before = channel.starts.length;
    const running = runCcc(t.w.h, ["task", "acme/app", "fix it", "--wait", ...extra], { compose: t.compose });
    const doc = await waitForState(() => channel.starts[before], 30_000, "the task to start");
    return { id: doc.taskId, running };
  }

  it("says so when nothing changed (no pull request), and names the turn cap and an API error with the last events", async () => {
    // CCC_TASK_GRACE_MINUTES=0: each machine is deleted the moment its task ends, as before the grace.
    const t = await makeWorld({ env: { CCC_TASK_GRACE_MINUTES: "0" } });
    const same = await startWaiting(t);
    channel.emit(
      same.id,
      stream.init(),
      stream.text("Nothing needs changing."),
      stream.result({ text: "The test is fine." }),
    );
    channel.exit(same.id);
    const unchanged = await same.running;
    expect(unchanged.code, unchanged.stderr).toBe(0);
    expect(unchanged.stdout).toContain("done, no change");
    expect(unchanged.stdout).toContain("No change was made, so there is no pull request.");
    expect(t.w.deps.store.tasks.get(same.id)?.status).toBe("no_change");

    const capped = await startWaiting(t, ["--max-turns", "2"]);
    channel.emit(
      capped.id,
      stream.init(),
      stream.edit("src/login.ts"),
      stream.result({ subtype: "error_max_turns", isError: true, turns: 2 }),
    );
    channel.exit(capped.id, 1);
    const cap = await capped.running;
    expect(cap.code).toBe(1);
    expect(cap.stdout).toContain("Why: Claude Code reached the turn cap (2 turns) before it finished.");
    expect(cap.stdout).toContain("Last events:");
    expect(cap.stdout).toContain("tool: Edit src/login.ts");
    expect(t.w.deps.store.tasks.get(capped.id)).toMatchObject({ status: "failed", failureCode: "turn_cap" });

    const broken = await startWaiting(t);
    channel.emit(
      broken.id,
      stream.init(),
      stream.result({ isError: true, text: "API Error: 529 overloaded", turns: 1 }),
    );
    channel.exit(broken.id, 1);
    const error = await broken.running;
    expect(error.code).toBe(1);
    expect(error.stdout).toContain("Why: Claude Code stopped with an error: API Error: 529 overloaded.");
    expect(t.gh.pulls).toEqual([]);
    expect(channel.pushes).toEqual([same.id]);
    expect(t.w.h.strayServers()).toEqual([]);
  }, 120_000);

  it("a reply continues the session on the same machine while it lives (kept), on the same branch", async () => {
    const t = await makeWorld();
    const first = await startWaiting(t, ["--keep"]);
    channel.commits = [{ "src/login.ts": "export const wait = 2;\n" }];
    channel.emit(first.id, stream.init("sess-keep"), stream.result({ text: "First part done." }));
    channel.exit(first.id);
    expect((await first.running).code).toBe(0);
    const prior = t.w.deps.store.tasks.get(first.id);
    expect(prior).toMatchObject({ status: "succeeded", keep: true, sessionId: "sess-1" });
    const instance = t.w.deps.store.get(prior?.instanceId ?? "");
    expect(instance?.status).toBe("ready");

    const reply = await replyToTask(
      { deps: t.w.deps, actor: { id: "opal", isAdmin: true } },
      { taskId: first.id, prompt: "now the second part", wait: true },
    );
    // The work runs as it is read (every door reads it to its end): read it from now on.
    const ended = drain(reply.work);
    const doc = await waitForState(() => channel.starts[1], 10_000, "the reply to start");
    expect(doc).toMatchObject({
      resumeSessionId: "sess-1",
      branch: prior?.branch,
      prompt: "now the second part",
    });
    expect(reply.accepted.task).toMatchObject({ parentId: first.id, instanceId: instance?.id });
    channel.commits = [{ "src/login.ts": "export const wait = 3;\n" }];
    channel.emit(doc.taskId, stream.init(), stream.result({ text: "Second part done." }));
    channel.exit(doc.taskId);
    // The pull request the first task opened gets the new commits: no create call is made for the reply.
    expect(await ended).toMatchObject({ status: "succeeded", prUrl: prior?.prUrl });
    expect(t.gh.pulls).toHaveLength(1);
    expect(t.gh.calls.filter((c) => c.method === "POST" && c.path.endsWith("/pulls"))).toHaveLength(1);
    expect(shownSteps(t, doc.taskId)).toContainEqual(["pr_updated", prior?.prUrl]);
    await deleteTaskMachine(t.w.deps, { id: "opal", isAdmin: true }, doc.taskId);
    expect(t.w.h.strayServers()).toEqual([]);
  }, 120_000);

  it("a reply on a branch whose pull request was made outside ccc: GitHub's 'already exists' means the commits are on it", async () => {
    const t = await makeWorld();
    const first = await startWaiting(t, ["--keep"]);
    channel.commits = [];
    channel.emit(first.id, stream.init("sess-keep"), stream.result({ text: "Looked around." }));
    channel.exit(first.id);
    expect((await first.running).code).toBe(0);
    const prior = t.w.deps.store.tasks.get(first.id);
    expect(prior).toMatchObject({ status: "no_change", prUrl: null });
    const reply = await replyToTask(
      { deps: t.w.deps, actor: { id: "opal", isAdmin: true } },
      { taskId: first.id, prompt: "now change it", wait: true },
    );
    const ended = drain(reply.work);
    const doc = await waitForState(() => channel.starts[1], 10_000, "the reply to start");
    // Someone opened a pull request for the branch by hand meanwhile (ccc never recorded it).
    t.gh.pulls.push({
      repo: "acme/app",
      number: 41,
      title: "by hand",
      head: prior?.branch ?? "",
      base: "main",
      body: "",
      token: GH_TOKEN,
    });
    channel.commits = [{ "src/login.ts": "export const wait = 4;\n" }];
    channel.emit(doc.taskId, stream.init(), stream.result({ text: "Changed it." }));
    channel.exit(doc.taskId);
    expect(await ended).toMatchObject({ status: "succeeded", prUrl: null, failure: null });
    expect(t.gh.calls.filter((c) => c.method === "POST" && c.path.endsWith("/pulls"))).toHaveLength(1);
    expect(t.gh.pulls).toHaveLength(1);
    expect(shownSteps(t, doc.taskId)).toContainEqual([
      "pr_updated",
      `the pull request open for ${prior?.branch} has the new commits`,
    ]);
    await deleteTaskMachine(t.w.deps, { id: "opal", isAdmin: true }, doc.taskId);
    expect(t.w.h.strayServers()).toEqual([]);
  }, 120_000);

  it("the verb's start (as Slack's thread asks it): the answer is the thread's status message; someone else's task is an admin's", async () => {
    const t = await makeWorld();
    await t.warmMachine();
    const slack = { channel: "C0ENG", threadTs: "1700000000.000001", statusTs: "1700000000.000002" };
    const ask = { owner: "opal", repo: "acme/app", prompt: "fix it", wait: false, slack };
    const servers = t.w.h.cloud.servers().length;
    await expect(
      taskCommand.start({ deps: t.w.deps, actor: { id: "U0BOB", isAdmin: false } }, ask),
    ).rejects.toThrow(/admin/i);
    expect(t.w.deps.store.tasks.list("opal")).toEqual([]);
    expect(t.w.h.cloud.servers().length).toBe(servers);

    const actor = { id: "opal", isAdmin: false };
    const started = await taskCommand.start({ deps: t.w.deps, actor }, ask);
    const ended = drain(started.work);
    const task = t.w.deps.store.tasks.get(started.accepted.subject);
    expect(task).toMatchObject({ owner: "opal", slack });
    const answer = started.accepted.blocks({ now: t.w.deps.clock.now(), actor });
    const shown = JSON.stringify(answer);
    expect(answer.text).toContain("acme/app");
    expect(shown).toContain(`task \`${task?.id}\``);
    expect(shown).toContain(`machine \`${task?.instanceId}\``);
    expect(shown).toContain(TASK_ACTIONS.cancel);
    const doc = await waitForState(() => channel.starts[0], 30_000, "the task to start");
    channel.emit(doc.taskId, stream.init(), stream.result({ text: "Nothing to do." }));
    channel.exit(doc.taskId);
    // Without --wait the work ends once Claude Code runs; the door follows it from there, as Slack's does.
    expect((await ended).text({ now: t.w.deps.clock.now(), actor })).toContain("The bot follows it");
    await followTask(t.w.deps, doc.taskId, () => {}, new AbortController().signal);
    expect(t.w.deps.store.tasks.get(doc.taskId)?.status).toBe("no_change");
    expect(t.w.h.strayServers()).toEqual([]);
  }, 90_000);

  it("cancels a running task: the unit is stopped, the machine deleted, the reason said", async () => {
    const t = await makeWorld();
    const { id, running } = await startWaiting(t);
    channel.emit(id, stream.init(), stream.edit("src/login.ts"));
    await waitForState(
      () => t.w.deps.store.tasks.events(id).some((e) => e.line === 1),
      10_000,
      "the edit recorded",
    );
    const cancel = await runCcc(t.w.h, ["tasks", "cancel", id], { compose: t.compose });
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(`Cancelled ${id}`);
    const done = await running;
    expect(done.code).toBe(1);
    expect(done.stdout).toContain("cancelled");
    expect(channel.cancels).toEqual([id]);
    expect(t.w.deps.store.tasks.get(id)).toMatchObject({
      status: "cancelled",
      failure: "Cancelled by opal.",
    });
    expect(t.w.h.strayServers()).toEqual([]);
    expect(t.w.deps.store.get(t.w.deps.store.tasks.get(id)?.instanceId ?? "")?.status).toBe("deleted");
  }, 90_000);
});
