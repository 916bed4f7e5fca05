// `ccc task` through the real CLI door, on a pool machine (real sshd, the real ccc-apply cloning as the real
// claude user from the GitHub stand-in), with the machine's Claude Code played by a scripted TaskChannel:
// the bot side's rules, refusals, following, push, pull request, cost and clean-up. The end-to-end runs
// with the real claude are in test/tasks/.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { ScriptedTaskChannel, stream } from "../tasks/scripted-task-channel.ts";
import { API_KEY, GH_TOKEN, OAUTH_TOKEN, startTaskWorld, type TaskWorld } from "../tasks/task-world.ts";

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

const PROMPT = `fix the "flaky" login test: it's \`npm test\` and $(whoami) in
the second line`;

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)("ccc task", () => {
  it("runs the task, pushes, opens the pull request, records cost and events, and deletes the machine", async () => {
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
    channel.emit(doc.taskId, stream.init(), stream.edit("src/login.ts"), stream.toolResult("tu-src/login.ts"));
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
    // The machine is gone (not kept), and nothing is left at Hetzner.
    const instance = t.w.deps.store.get(task?.instanceId ?? "");
    expect(instance?.status).toBe("deleted");
    expect(t.w.h.strayServers()).toEqual([]);
    expect(done.stdout + done.stderr).not.toContain(API_KEY);
    expect(done.stdout + done.stderr).not.toContain(GH_TOKEN);
  }, 90_000);
});
