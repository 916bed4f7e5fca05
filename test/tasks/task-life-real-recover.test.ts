// Crash recovery of tasks whose starter died while they were `queued` or `starting` (nobody holds their start
// lease any more), where their machine is ready: on the next bot start or sweep (`followUnfollowedTasks`, what
// the scheduler calls) each is carried on with the real Claude Code (real sshd, the real ccc-apply, the
// systemd stand-ins): started when it never was, followed from the machine's log when it was.
// The ones that cannot be carried on: task-life-real-recover-fail.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { provision } from "../../src/commands/provision.ts";
import { followUnfollowedTasks } from "../../src/core/tasks/resume-tasks.ts";
import { runTaskOnMachine } from "../../src/core/tasks/run-task.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { git } from "../helpers/git-repos.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import {
  commitTurns,
  ENDED,
  leftBehind,
  machineEventLines,
  type RealLife,
  recordingNotifier,
  startRealLife,
  toolCalls,
} from "./real-life-world.ts";

let life: RealLife | undefined;
afterEach(async () => {
  await life?.close();
  life = undefined;
});

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "tasks left starting by a dead starter",
  () => {
    it("one left `starting` on its ready machine is carried on: the real claude commits, the pull request opens", async () => {
      life = await startRealLife();
      const { t, api, repo } = life;
      // The machine was made ready (pool claim, clone) before the starter died.
      const ready = await provision(
        { deps: t.w.deps, actor: { id: "opal", isAdmin: true } },
        { owner: "opal", sshKey: makeKeyPair().publicKey, repo: "acme/app", hours: 2 },
      );
      expect(ready.status).toBe("ready");
      const id = "tsk-rec2ver3";
      leftBehind(life, id, "starting", ready.id);
      api.script(...commitTurns(repo));

      const bot = t.w.h.compose({ ...t.compose, notifier: recordingNotifier() });
      expect(followUnfollowedTasks(bot)).toEqual([id]);
      // Taken: a second sweep meanwhile leaves it to the first.
      expect(followUnfollowedTasks(bot)).toEqual([]);
      const task = await waitForState(
        () => {
          const now = t.w.deps.store.tasks.get(id);
          return now && ENDED.includes(now.status) ? now : null;
        },
        50_000,
        "the task carried on to its end",
      ).catch((error) => {
        const now = t.w.deps.store.tasks.get(id);
        const events = t.w.deps.store.tasks.events(id).map((e) => e.body);
        throw new Error(`${error}: ${JSON.stringify({ now, events, requests: api.requests.length })}`);
      });
      expect(task, task.failure ?? "").toMatchObject({
        status: "succeeded",
        prUrl: `${t.gh.url}/acme/app/pull/1`,
      });
      const steps = t.w.deps.store.tasks.events(id).map((e) => e.body);
      expect(steps.some((b) => b.includes('"step":"resumed"') && b.includes("carries on"))).toBe(true);
      expect(git(["--git-dir", t.bare("app"), "show", `ccc/${id}:NOTES.md`])).toBe("Notes\n");
      await waitForState(() => t.w.h.strayServers().length === 0, 20_000, "the machine deleted");
      await waitForState(
        () => t.w.deps.store.get(ready.id)?.status === "deleted",
        20_000,
        "recorded deleted",
      );
      expect(api.problems).toEqual([]);
    }, 60_000);

    it("one left `starting` after Claude Code was started there: followed from the machine's log, not started twice", async () => {
      life = await startRealLife();
      const { t, api, repo, machine } = life;
      const ready = await provision(
        { deps: t.w.deps, actor: { id: "opal", isAdmin: true } },
        { owner: "opal", sshKey: makeKeyPair().publicKey, repo: "acme/app", hours: 2 },
      );
      const id = "tsk-started2";
      leftBehind(life, id, "starting", ready.id);
      api.script(...commitTurns(repo));
      // The starter got the unit going, then died before it recorded that the task runs.
      await runTaskOnMachine(t.w.deps, id, ready, () => {}, { follow: false });
      t.w.deps.store.tasks.update(id, { status: "starting" }, new Date());
      await waitForState(() => machineEventLines(machine.root, id).length > 0, 30_000, "Claude Code writing");

      const bot = t.w.h.compose({ ...t.compose, notifier: recordingNotifier() });
      expect(followUnfollowedTasks(bot)).toEqual([id]);
      const task = await waitForState(
        () => {
          const now = t.w.deps.store.tasks.get(id);
          return now && ENDED.includes(now.status) ? now : null;
        },
        50_000,
        "the task followed to its end",
      );
      expect(task, task.failure ?? "").toMatchObject({
        status: "succeeded",
        prUrl: `${t.gh.url}/acme/app/pull/1`,
      });
      const bodies = t.w.deps.store.tasks.events(id).map((e) => e.body);
      expect(bodies.some((b) => b.includes("Claude Code was running, followed again"))).toBe(true);
      // One unit, started once; the machine's lines recorded each once.
      const starts = toolCalls(t.u).filter((c) => c.tool === "systemd-run");
      expect(starts.filter((c) => c.argv.includes(`--unit=ccc-task-${id}.service`))).toHaveLength(1);
      const recorded = t.w.deps.store.tasks.events(id).filter((e) => e.line !== null);
      expect(recorded.map((e) => e.body)).toEqual(machineEventLines(machine.root, id));
      await waitForState(
        () => t.w.deps.store.get(ready.id)?.status === "deleted",
        20_000,
        "the machine deleted",
      );
      expect(api.problems).toEqual([]);
    }, 60_000);
  },
);
