// `ccc tasks`: list, show with the recorded events (after a number), cancel, keep and delete, with the
// owner-or-admin rule; and a follower taken up again after the bot stopped (no event twice, none lost).
import { afterEach, describe, expect, it } from "vitest";
import { followTask } from "../../src/core/tasks/follow-task.ts";
import { followUnfollowedTasks } from "../../src/core/tasks/resume-tasks.ts";
import type { TaskProgress } from "../../src/core/tasks/task-events.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { moneyProblems } from "../helpers/money-shape.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { startTaskWorld, type TaskWorld } from "../tasks/flow-world.ts";
import { ScriptedTaskChannel, stream } from "../tasks/scripted-task-channel.ts";

let world: TaskWorld | undefined;
let channel: ScriptedTaskChannel;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)("ccc tasks", () => {
  it("leaves a task started without --wait to the bot, which follows it from the last line after a restart", async () => {
    const t = await startTaskWorld({
      channel: ({ bare }) => {
        channel = new ScriptedTaskChannel(bare);
        return channel;
      },
    });
    world = t;
    await t.warmMachine();
    const started = await runCcc(t.w.h, ["task", "acme/app", "fix it", "--json"], { compose: t.compose });
    expect(started.code, started.stderr).toBe(0);
    const answer = JSON.parse(started.stdout);
    expect(answer).toMatchObject({ status: "running", repo: "acme/app", branch: `ccc/${answer.id}` });
    const id: string = answer.id;

    // The bot (its own view of the database) takes it up and records the first lines.
    const bot1 = t.w.h.compose(t.compose);
    const stop1 = new AbortController();
    const seen1: TaskProgress[] = [];
    expect(followUnfollowedTasks(bot1, (p) => seen1.push(p), stop1.signal)).toEqual([id]);
    // Followed already: a second sweep leaves it alone.
    expect(followUnfollowedTasks(bot1, () => {}, stop1.signal)).toEqual([]);
    channel.emit(id, stream.init(), stream.edit("src/login.ts"));
    await waitForState(() => t.w.deps.store.tasks.nextLine(id) === 2, 10_000, "two lines recorded");
    // The bot stops; meanwhile Claude Code goes on writing.
    stop1.abort();
    await waitForState(
      () => !t.w.deps.store.leaseHolder(`task:${id}`, Date.now()),
      10_000,
      "the hold released",
    );
    channel.emit(id, stream.toolResult("tu-src/login.ts"), stream.text("Done."), stream.result());
    channel.exit(id);

    // The restarted bot follows it to the end, from line 2.
    const bot2 = t.w.h.compose(t.compose);
    const seen2: TaskProgress[] = [];
    const done = await followTask(bot2, id, (p) => seen2.push(p));
    expect(done.status).toBe("no_change");
    const lines = t.w.deps.store.tasks.events(id).filter((e) => e.line !== null);
    expect(lines.map((e) => e.line)).toEqual([0, 1, 2, 3, 4]);
    const readsAfterRestart = channel.reads.filter((r) => r.taskId === id).map((r) => r.fromLine);
    expect(readsAfterRestart).toContain(2);
    expect(seen1.map((p) => p.step)).toEqual(["claude_started", "tool"]);
    expect(seen2.map((p) => p.step).slice(0, 2)).toEqual(["text", "claude_finished"]);
    const seqs = [...seen1, ...seen2].map((p) => p.seq).filter((s) => s !== undefined);
    expect(new Set(seqs).size).toBe(seqs.length);

    // show: the task and its events, the new ones only with --after.
    const shown = await runCcc(t.w.h, ["tasks", "show", id, "--json"], { compose: t.compose });
    expect(shown.code, shown.stderr).toBe(0);
    const json = JSON.parse(shown.stdout);
    expect(json).toMatchObject({ id, status: "no_change", owner: "opal" });
    // Claude Code's cost in the one money shape ($0.0421 at 0.86 €/$).
    expect(json.cost).toEqual({ amount: "0.04", currency: "EUR" });
    expect(moneyProblems(json)).toEqual([]);
    expect(json.events[0]).toMatchObject({ seq: 1, source: "ccc" });
    const later = JSON.parse(
      (
        await runCcc(t.w.h, ["tasks", "show", id, "--after", String(json.events.length - 1), "--json"], {
          compose: t.compose,
        })
      ).stdout,
    );
    expect(later.events).toHaveLength(1);
    const text = await runCcc(t.w.h, ["tasks", "show", id], { compose: t.compose });
    expect(text.stdout).toContain("Edit src/login.ts");
    const list = await runCcc(t.w.h, ["tasks"], { compose: t.compose });
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain("done, no change");
    // Someone else's task is not theirs to see or cancel.
    await expect(
      (await import("../../src/commands/tasks.ts")).tasksCommand.execute(
        { deps: t.w.deps, actor: { id: "U0OTHER", isAdmin: false } },
        { action: "show", id },
      ),
    ).rejects.toThrow(`${id} is not yours`);
    const unknown = await runCcc(t.w.h, ["tasks", "cancel", "tsk-zzzzzzzz"], { compose: t.compose });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("There is no task tsk-zzzzzzzz.");
  }, 90_000);
});
