// The bot restarted mid-task, with the real Claude Code (real sshd, the real ccc-apply, the systemd stand-ins,
// the real `claude` as the claude user). `ccc task` without --wait leaves the task to the bot; the bot (its own
// compose of the same SQLite file) follows it and is stopped while the model is thinking; Claude Code goes on
// and writes more lines while nobody follows; a new bot (a new compose, same file) takes the task up from
// the last line recorded. The recorded lines are exactly the machine's events.jsonl, each once, in order.
import { afterEach, describe, expect, it } from "vitest";
import { followUnfollowedTasks } from "../../src/core/tasks/resume-tasks.ts";
import type { TaskProgress } from "../../src/core/tasks/task-events.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { git } from "../helpers/git-repos.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { commitTurns, heldTurn, machineEventLines, type RealLife, startRealLife } from "./real-life-world.ts";

let life: RealLife | undefined;
afterEach(async () => {
  await life?.close();
  life = undefined;
});

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "a bot restarted mid-task",
  () => {
    it("the new bot follows up from the last recorded line: no event twice, none lost, then the pull request", async () => {
      life = await startRealLife();
      const { t, api, repo, machine } = life;
      const [write, commit, summary] = commitTurns(repo) as [never, never, never];
      // Two pauses of the model: the first while the old bot follows, the second once the new one took over.
      const first = heldTurn(commit);
      const second = heldTurn(summary);
      api.script(write, first.turn, second.turn);

      const started = await runCcc(t.w.h, ["task", "acme/app", "Add a NOTES.md", "--json"], {
        compose: t.compose,
      });
      expect(started.code, started.stderr).toBe(0);
      const id: string = JSON.parse(started.stdout).id;
      const onMachine = () => machineEventLines(machine.root, id);

      // The bot takes the task up and catches up with the machine while the model thinks.
      const bot1 = t.w.h.compose(t.compose);
      const stop1 = new AbortController();
      const seen1: TaskProgress[] = [];
      expect(followUnfollowedTasks(bot1, (p) => seen1.push(p), stop1.signal)).toEqual([id]);
      await waitForState(() => api.requests.length >= 2, 60_000, "the first pause");
      await waitForState(
        () => onMachine().length > 0 && t.w.deps.store.tasks.nextLine(id) === onMachine().length,
        10_000,
        "the bot caught up",
      );
      // The bot stops (its hold on the task goes); Claude Code does not.
      stop1.abort();
      await waitForState(
        () => !t.w.deps.store.leaseHolder(`task:${id}`, Date.now()),
        10_000,
        "the hold released",
      );
      const recordedAtStop = t.w.deps.store.tasks.nextLine(id);
      first.release();
      await waitForState(() => api.requests.length >= 3, 30_000, "the second pause");
      await waitForState(
        () => onMachine().length > recordedAtStop,
        10_000,
        "lines written while nobody follows",
      );
      expect(t.w.deps.store.tasks.nextLine(id)).toBe(recordedAtStop);
      expect(t.w.deps.store.tasks.get(id)?.status).toBe("running");

      // A new bot: a new compose on the same SQLite file, as after a restart.
      const bot2 = t.w.h.compose(t.compose);
      const seen2: TaskProgress[] = [];
      expect(followUnfollowedTasks(bot2, (p) => seen2.push(p))).toEqual([id]);
      second.release();
      await waitForState(
        () =>
          ["succeeded", "failed", "no_change", "cancelled"].includes(
            t.w.deps.store.tasks.get(id)?.status ?? "",
          ),
        60_000,
        "the task ended",
      );
      await waitForState(() => t.w.h.strayServers().length === 0, 30_000, "the machine deleted");

      const task = t.w.deps.store.tasks.get(id);
      expect(task, task?.failure ?? "").toMatchObject({
        status: "succeeded",
        prUrl: `${t.gh.url}/acme/app/pull/1`,
      });
      // Exactly the machine's lines, each once, in order, numbered 0…n-1.
      const recorded = t.w.deps.store.tasks.events(id).filter((e) => e.line !== null);
      expect(recorded.map((e) => e.body)).toEqual(onMachine());
      expect(recorded.map((e) => e.line)).toEqual(onMachine().map((_, i) => i));
      const all = t.w.deps.store.tasks.events(id);
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
      // Each bot told what it recorded, nothing twice: the new bot starts with what the old one had not seen.
      const seqs = [...seen1, ...seen2].map((p) => p.seq).filter((s) => s !== undefined);
      expect(new Set(seqs).size).toBe(seqs.length);
      const firstSeq2 = Math.min(...seen2.map((p) => p.seq ?? Number.POSITIVE_INFINITY));
      expect(recorded.find((e) => e.seq === firstSeq2)?.line).toBeGreaterThanOrEqual(recordedAtStop);
      expect(seen1.map((p) => p.step)).toEqual(expect.arrayContaining(["claude_started", "tool"]));
      expect(seen2.map((p) => p.step)).toEqual(expect.arrayContaining(["tool", "claude_finished"]));
      // The real claude's commit is on the pushed branch.
      expect(git(["--git-dir", t.bare("app"), "show", `ccc/${id}:NOTES.md`])).toBe("Notes\n");
      expect(api.problems).toEqual([]);
    }, 60_000);
  },
);
