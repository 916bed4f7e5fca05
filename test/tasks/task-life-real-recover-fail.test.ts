// Crash recovery of tasks whose starter died while they were `queued` or `starting` (nobody holds their start
// lease any more) that cannot be carried on: no machine recorded, or a machine that failed (also one the
// reconciler gives up after a starter died mid-claim). Each fails in plain words with nothing left at Hetzner
// and the owner told; a task whose starter is alive, or whose machine is still being made, is left alone.
// The ones carried on: task-life-real-recover.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { startTask } from "../../src/commands/task.ts";
import { newInstanceId } from "../../src/core/instances/instance.ts";
import { takeLease } from "../../src/core/lifecycle/leases.ts";
import { runReconcile } from "../../src/core/lifecycle/reconcile.ts";
import { taskStartLease } from "../../src/core/tasks/follow-task.ts";
import { followUnfollowedTasks } from "../../src/core/tasks/resume-tasks.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import {
  leftBehind,
  movableClock,
  type RealLife,
  recordingNotifier,
  startRealLife,
} from "./real-life-world.ts";

let life: RealLife | undefined;
afterEach(async () => {
  await life?.close();
  life = undefined;
});

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "tasks left starting by a dead starter",
  () => {
    it("without a machine, or with one that failed: failed in plain words, nothing at Hetzner, the owner told; a live starter's is left", async () => {
      life = await startRealLife();
      const { t } = life;
      const { store } = t.w.deps;
      const servers = await t.w.deps.cloud.listServers();
      // Died before the machine was recorded.
      leftBehind(life, "tsk-nomachn2", "queued", null);
      // Died while the machine was being made; the reconciler has since given that build up.
      const failed = store.add(
        {
          id: newInstanceId(),
          owner: "opal",
          ownerEmail: null,
          sshKeys: [makeKeyPair().publicKey],
          sshKeyFingerprint: "SHA256:test",
          serverType: "cx23",
          location: "fsn1",
          createdAt: new Date(),
          expiresAt: new Date(Date.now() + 3_600_000),
        },
        { actor: "test", kind: "requested" },
      );
      store.update(
        failed.id,
        { status: "failed", failureReason: "the install was interrupted by a restart of ccc" },
        { actor: "ccc", kind: "failed" },
      );
      leftBehind(life, "tsk-failedm2", "starting", failed.id, {
        channel: "C0TASKS",
        threadTs: "1.2",
        statusTs: "1.3",
      });
      // Its machine still being made: the reconciler's to finish or fail first.
      const making = store.add(
        {
          id: newInstanceId(),
          owner: "opal",
          ownerEmail: null,
          sshKeys: [makeKeyPair().publicKey],
          sshKeyFingerprint: "SHA256:test",
          serverType: "cx23",
          location: "fsn1",
          createdAt: new Date(),
          expiresAt: new Date(Date.now() + 3_600_000),
        },
        { actor: "test", kind: "requested" },
      );
      leftBehind(life, "tsk-making22", "queued", making.id);
      // A starter that is alive (holds the start lease): not someone else's to take.
      leftBehind(life, "tsk-alive222", "queued", null);
      const alive = takeLease(t.w.deps, taskStartLease("tsk-alive222"));

      const notifier = recordingNotifier();
      const bot = t.w.h.compose({ ...t.compose, notifier });
      expect(followUnfollowedTasks(bot).sort()).toEqual(["tsk-failedm2", "tsk-nomachn2"]);
      await waitForState(
        () => ["tsk-failedm2", "tsk-nomachn2"].every((id) => store.tasks.get(id)?.status === "failed"),
        10_000,
        "both failed",
      );
      expect(store.tasks.get("tsk-nomachn2")).toMatchObject({
        failureCode: "start_failed",
        failure:
          "ccc stopped while the task was being set up, before its machine was made, so it never ran. Ask again.",
      });
      expect(store.tasks.get("tsk-failedm2")).toMatchObject({
        failureCode: "provision_failed",
        failure:
          "ccc stopped while the task's machine was being made, and the machine could not be finished (the install was interrupted by a restart of ccc), so the task never ran. Ask again.",
      });
      // Said where each lives: the CLI's task by a direct message, the Slack one in its thread (drawn from
      // the recorded `failed` event), so not by a message as well.
      await waitForState(() => notifier.notices.length > 0, 5_000, "the owner told");
      expect(notifier.notices).toEqual([
        {
          kind: "user_alert",
          user: "opal",
          text: expect.stringContaining(
            "Your task tsk-nomachn2 on acme/app failed: ccc stopped while the task",
          ),
        },
      ]);
      expect(store.tasks.events("tsk-failedm2").map((e) => JSON.parse(e.body).step)).toContain("failed");
      const shown = await runCcc(t.w.h, ["tasks", "show", "tsk-nomachn2"], { compose: t.compose });
      expect(shown.stdout).toContain("before its machine was made, so it never ran");
      // The others are untouched, and nothing was made or left at Hetzner.
      expect(store.tasks.get("tsk-making22")?.status).toBe("queued");
      expect(store.tasks.get("tsk-alive222")?.status).toBe("queued");
      expect(await t.w.deps.cloud.listServers()).toEqual(servers);
      // Once the starter is gone, its task is taken up too.
      alive?.release();
      expect(followUnfollowedTasks(bot)).toEqual(["tsk-alive222"]);
      await waitForState(
        () => store.tasks.get("tsk-alive222")?.status === "failed",
        10_000,
        "the orphan failed",
      );
    }, 60_000);
    it("one left `queued` by a starter that died mid-claim: the reconciler gives the machine up, the sweep fails the task, nothing at Hetzner", async () => {
      life = await startRealLife();
      const { t, api } = life;
      // The starter records the task and claims the pool machine, then dies before it hands it over: its
      // timers never fire again (so it never renews its hold on the task).
      const dead = t.w.h.compose({
        ...t.compose,
        clock: { now: () => new Date(), sleep: () => new Promise<void>(() => {}) },
      });
      const started = await startTask(
        { deps: dead, actor: { id: "opal", isAdmin: true } },
        { owner: "opal", repo: "acme/app", prompt: "Add a NOTES.md" },
      );
      const id = started.accepted.task.id;
      const instanceId = started.accepted.instance?.id ?? "";
      expect(t.w.deps.store.tasks.get(id)?.status).toBe("queued");
      expect(t.w.deps.store.get(instanceId)?.status).toBe("creating");

      // The new bot, past the holds and the reconciler's grace (its clock moved on).
      const clock = movableClock();
      clock.jump(11 * 60_000);
      const notifier = recordingNotifier();
      const bot = t.w.h.compose({ ...t.compose, clock, notifier });
      // Its machine is still being made: the task waits for the reconciler.
      expect(followUnfollowedTasks(bot)).toEqual([]);
      expect(t.w.deps.store.tasks.get(id)?.status).toBe("queued");
      await runReconcile(bot, { graceMinutes: 10 });
      expect(t.w.deps.store.get(instanceId)?.status).toBe("failed");
      expect(followUnfollowedTasks(bot)).toEqual([id]);
      await waitForState(() => t.w.deps.store.tasks.get(id)?.status === "failed", 10_000, "the task failed");
      expect(t.w.deps.store.tasks.get(id)).toMatchObject({
        failureCode: "provision_failed",
        failure:
          "ccc stopped while the task's machine was being made, and the machine could not be finished (the provision was interrupted before its server was created), so the task never ran. Ask again.",
      });
      await waitForState(() => notifier.notices.length > 0, 5_000, "the owner told");
      expect(notifier.notices.filter((n) => n.kind === "user_alert").map((n) => n.user)).toEqual(["opal"]);
      // The claimed pool machine's server went with it: nothing left at Hetzner, nothing asked of the model.
      // (Hetzner takes a moment over a deletion.)
      let left = await t.w.deps.cloud.listServers();
      for (let tries = 0; left.length > 0 && tries < 100; tries++) {
        await new Promise((r) => setTimeout(r, 100));
        left = await t.w.deps.cloud.listServers();
      }
      expect(left.map((x) => ({ id: x.id, status: x.status }))).toEqual([]);
      expect(api.requests).toEqual([]);
    }, 60_000);
  },
);
