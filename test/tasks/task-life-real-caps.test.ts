// The time cap with the real Claude Code through the CLI door (real sshd, the real ccc-apply, the systemd
// stand-ins, the real `claude` as the claude user, a model turn that never comes back). Two ways a task
// meets its cap: the unit's own RuntimeMaxSec stops claude (the machine says it ended on SIGTERM), and a
// unit that ran past its cap without the machine saying so is stopped by ccc itself, 30 s after the cap.
// The stand-in's minute is shortened with FAKE_SYSTEMD_TIME_SCALE; ccc's clock is moved on by the same
// minute, so both sides agree the minute has passed.
import { afterEach, describe, expect, it } from "vitest";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import {
  heldTurn,
  machineEventLines,
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

/** Starts `ccc task … --wait --max-minutes 1`, Claude Code writing a file and then held mid-run. */
async function startCapped(machineEnv: Record<string, string> = {}) {
  life = await startRealLife({ machineEnv });
  const { t, api, repo } = life;
  const held = heldTurn({ text: "never said" });
  api.script(
    { toolUse: { name: "Write", input: { file_path: `${repo}/NOTES.md`, content: "Notes\n" } } },
    held.turn,
  );
  const clock = movableClock();
  const running = runCcc(t.w.h, ["task", "acme/app", "write notes", "--wait", "--max-minutes", "1"], {
    compose: { ...t.compose, clock },
  });
  // The model is thinking on its second turn: Claude Code is mid-run, its Write done.
  await waitForState(() => api.requests.length >= 2, 60_000, "the held turn");
  const task = t.w.deps.store.tasks.list("opal")[0];
  if (!task) throw new Error("no task recorded");
  return { t, api, clock, running, taskId: task.id, held };
}

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)("a task's time cap", () => {
  it("the unit's RuntimeMaxSec stops claude: failed with the time cap, the last events, the machine deleted", async () => {
    // One minute of the unit's time lasts 12 s here.
    const { t, api, clock, running, taskId } = await startCapped({ FAKE_SYSTEMD_TIME_SCALE: "0.2" });
    clock.jump(60_000);
    const done = await running;

    expect(done.code, done.stderr).toBe(1);
    expect(done.stdout).toContain("Why: The task reached its time cap (1 minute) and was stopped.");
    expect(done.stdout).toContain("Last events:");
    expect(done.stdout).toMatch(/tool: Write .*NOTES\.md/);
    const task = t.w.deps.store.tasks.get(taskId);
    expect(task).toMatchObject({ status: "failed", failureCode: "time_cap" });
    // The unit ended on its own cap, before ccc's 30 s grace (ccc's clock says 60 s plus the real seconds).
    const lines = machineEventLines(life?.machine.root ?? "", taskId);
    expect(lines.some((l) => l.includes('"type":"result"'))).toBe(false);
    expect(unitRunning(t.u, taskId)).toBe(false);
    // Every line the machine has is recorded once, in order.
    const recorded = t.w.deps.store.tasks.events(taskId).filter((e) => e.line !== null);
    expect(recorded.map((e) => e.body)).toEqual(lines);
    // Claude Code never got its answer, and there is no pull request; the machine is gone.
    expect(api.requests).toHaveLength(2);
    expect(t.gh.pulls).toEqual([]);
    expect(t.w.deps.store.get(task?.instanceId ?? "")?.status).toBe("deleted");
    expect(t.w.h.strayServers()).toEqual([]);
    expect(api.problems).toEqual([]);
  }, 60_000);

  it("a unit past its cap that the machine does not stop is stopped by ccc 30 s after the cap", async () => {
    // The stand-in's minute is a real minute here: the unit would run on well past the test.
    const { t, clock, running, taskId } = await startCapped();
    const stopsBefore = toolCalls(t.u).filter((c) => c.tool === "systemctl" && c.argv[0] === "stop").length;
    clock.jump(91_000);
    const done = await running;

    expect(done.code, done.stderr).toBe(1);
    expect(done.stdout).toContain("Why: The task reached its time cap (1 minute) and was stopped.");
    expect(done.stdout).toMatch(/tool: Write .*NOTES\.md/);
    expect(t.w.deps.store.tasks.get(taskId)).toMatchObject({ status: "failed", failureCode: "time_cap" });
    // ccc stopped the unit itself (systemctl stop over the pinned channel), and claude is gone with it.
    const stops = toolCalls(t.u).filter((c) => c.tool === "systemctl" && c.argv[0] === "stop");
    expect(stops.slice(stopsBefore).map((c) => c.argv[1])).toEqual([`ccc-task-${taskId}.service`]);
    expect(unitRunning(t.u, taskId)).toBe(false);
    expect(t.w.h.strayServers()).toEqual([]);
  }, 60_000);
});
