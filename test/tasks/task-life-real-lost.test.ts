// Two ways a task is stopped from outside while the real Claude Code is mid-run (real sshd, the real
// ccc-apply, the systemd stand-ins, the real `claude` as the claude user, a model turn that never comes
// back), through the CLI door: its machine lost (the server deleted at Hetzner and nothing answering at its
// address), and the person's budget spent while it runs.
import { afterEach, describe, expect, it } from "vitest";
import type { Notice, Notifier } from "../../src/core/ports/notifier.ts";
import { monthOf } from "../../src/core/usage/month.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import {
  heldTurn,
  movableClock,
  type RealLife,
  startRealLife,
  toolCalls,
  unitRunning,
} from "./real-life-world.ts";

let life: RealLife | undefined;
afterEach(async () => {
  await life?.close();
  life = undefined;
});

/** `ccc task … --wait` with Claude Code writing a file, then held mid-run: answers once the write is recorded. */
async function startHeld() {
  life = await startRealLife();
  const { t, api, repo } = life;
  api.script(
    { toolUse: { name: "Write", input: { file_path: `${repo}/NOTES.md`, content: "Notes\n" } } },
    heldTurn({ text: "never said" }).turn,
  );
  const clock = movableClock();
  const notices: Notice[] = [];
  const notifier: Notifier = {
    notify: async (n) => {
      notices.push(n);
      return "sent";
    },
  };
  const running = runCcc(t.w.h, ["task", "acme/app", "write notes", "--wait"], {
    compose: { ...t.compose, clock, notifier },
  });
  await waitForState(() => api.requests.length >= 2, 60_000, "the held turn");
  const id = t.w.deps.store.tasks.list("opal")[0]?.id ?? "";
  await waitForState(
    () => t.w.deps.store.tasks.events(id).some((e) => e.line !== null && e.body.includes('"name":"Write"')),
    10_000,
    "the write recorded",
  );
  const instance = t.w.deps.store.get(t.w.deps.store.tasks.get(id)?.instanceId ?? "");
  if (!instance?.ipv4 || instance.hetznerServerId === null) throw new Error("the task has no machine");
  return { t, api, clock, notices, running, id, instance: { ...instance, ipv4: instance.ipv4 } };
}

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "a task stopped mid-run",
  () => {
    it("its machine lost (deleted at Hetzner, nothing answering): failed as lost in plain words, nothing left", async () => {
      const { t, running, id, instance, notices } = await startHeld();
      // Someone deletes the server in Hetzner's console; the machine goes dark with it.
      await t.w.deps.cloud.deleteServer(instance.hetznerServerId ?? 0);
      await t.w.haltMachine(instance.ipv4);
      const done = await running;

      expect(done.code, done.stderr).toBe(1);
      expect(done.stdout).toContain(
        "Why: The task's machine was lost: its server was deleted at Hetzner. What it had done is gone unless it was pushed.",
      );
      expect(done.stdout).toContain("Last events:");
      expect(done.stdout).toMatch(/tool: Write .*NOTES\.md/);
      expect(t.w.deps.store.tasks.get(id)).toMatchObject({ status: "failed", failureCode: "machine_lost" });
      // Nothing left at Hetzner, and the record says the machine is gone.
      expect(await t.w.deps.cloud.listServers()).toEqual([]);
      expect(t.w.h.strayServers()).toEqual([]);
      expect(t.w.deps.store.get(instance.id)?.status).toBe("deleted");
      expect(t.gh.pulls).toEqual([]);
      // The owner is told (a task without a Slack thread: a direct message), and `ccc tasks show` says it too.
      expect(notices.filter((n) => n.kind === "user_alert")).toEqual([
        {
          kind: "user_alert",
          user: "opal",
          text: expect.stringContaining(`Your task ${id} on acme/app failed: The task's machine was lost`),
        },
      ]);
      const shown = await runCcc(t.w.h, ["tasks", "show", id], { compose: t.compose });
      expect(shown.stdout).toContain("The task's machine was lost: its server was deleted at Hetzner.");
    }, 60_000);

    it("the budget spent while it runs: the unit stopped, the machine deleted, the budget named; the ledger has the hours", async () => {
      const { t, clock, running, id, instance } = await startHeld();
      const stopsBefore = toolCalls(t.u).filter((c) => c.tool === "systemctl" && c.argv[0] === "stop").length;
      t.w.deps.store.budgets.put({ user: "opal", eur: "0.01", setBy: "opal", setAt: new Date() });
      // The budget is looked at every 10 s of ccc's clock.
      clock.jump(10_000);
      const done = await running;

      expect(done.code, done.stderr).toBe(1);
      expect(done.stdout).toContain("Why: The monthly budget is spent, so the task was stopped.");
      expect(done.stdout).toMatch(/tool: Write .*NOTES\.md/);
      expect(t.w.deps.store.tasks.get(id)).toMatchObject({
        status: "failed",
        failureCode: "budget_exceeded",
      });
      // ccc stopped the unit over the pinned channel; claude is gone with it.
      const stops = toolCalls(t.u).filter((c) => c.tool === "systemctl" && c.argv[0] === "stop");
      expect(stops.slice(stopsBefore).map((c) => c.argv[1])).toEqual([`ccc-task-${id}.service`]);
      expect(unitRunning(t.u, id)).toBe(false);
      expect(t.w.deps.store.get(instance.id)?.status).toBe("deleted");
      expect(t.w.h.strayServers()).toEqual([]);
      // The machine's hours up to the stop are in the ledger (closed, counted in the month).
      const entry = t.w.deps.store.ledger.get(instance.id);
      expect(entry?.endedAt).not.toBeNull();
      expect(t.w.deps.store.ledger.closedTotal(monthOf(new Date()).key, "opal")).toBeGreaterThan(0n);
      // Claude Code was stopped before its result: it reported no cost, and none is made up.
      expect(t.w.deps.store.tasks.get(id)?.costUsd).toBeNull();
    }, 60_000);
  },
);
