// The end of a hand-over session that carried a task's start (src/adapters/ssh-carried-start.ts): the
// machine's last line, `{"task": …}`, read as the task's outcome. What a real machine answers is in
// task-speed.test.ts and task-start-session.test.ts; here each answer shape the contract allows, and the
// session's own trouble.
import { describe, expect, it } from "vitest";
import { carriedOutcomeOf } from "../../src/adapters/ssh-carried-start.ts";
import type { SshRun } from "../../src/core/machine/ssh-outcome.ts";
import type { MachineTarget } from "../../src/core/ports/machine.ts";
import { startDoc } from "./task-world.ts";

const target: MachineTarget = {
  instanceId: "ccc-tk5mch",
  host: "127.0.0.9",
  port: 22,
  hostKey: "ssh-ed25519 AAAA",
};
const doc = startDoc("tsk-answer22", "Look around.");
const handOver = JSON.stringify({ ok: true, instanceId: "ccc-tk5mch" });
const workspace = {
  ok: true,
  repo: { ok: true, action: "cloned", shallow: true, path: "/home/claude/work/app" },
};

function ran(lines: unknown[], extra: Partial<SshRun> = {}): SshRun {
  const stdout = [handOver, ...lines.map((l) => JSON.stringify(l))].join("\n");
  return {
    exitCode: 0,
    stdout: `${stdout}\n`,
    stderr: "",
    timedOut: false,
    missing: false,
    failure: undefined,
    ...extra,
  };
}

describe("the task's part of a hand-over session", () => {
  it("a start: the workspace's answer and the unit", () => {
    const outcome = carriedOutcomeOf(
      target,
      doc,
      ran([
        { progress: "Cloning into ~/work/app" },
        { progress: "Starting Claude Code" },
        { task: { ok: true, unit: "ccc-task-tsk-answer22.service", workspace } },
      ]),
    );
    expect(outcome).toEqual({
      kind: "done",
      workspace: { kind: "ok", answer: workspace },
      started: { kind: "ok", unit: "ccc-task-tsk-answer22.service" },
    });
  });

  it("a unit of another task's name is not taken", () => {
    const outcome = carriedOutcomeOf(
      target,
      doc,
      ran([{ task: { ok: true, unit: "ccc-task-tsk-other222.service", workspace } }]),
    );
    expect(outcome).toMatchObject({ kind: "done", started: { kind: "failed", reason: "bad-answer" } });
  });

  it("a clone that failed: nothing started, the clone's words kept", () => {
    const failed = {
      ok: true,
      repo: { ok: false, action: "cloned", error: "Authentication failed", path: "/home/claude/work/app" },
    };
    const outcome = carriedOutcomeOf(
      target,
      doc,
      ran([{ task: { ok: false, error: "the repository could not be prepared", workspace: failed } }]),
    );
    expect(outcome).toMatchObject({
      kind: "done",
      workspace: { kind: "ok", answer: { repo: { ok: false, error: "Authentication failed" } } },
      started: null,
    });
  });

  it("a start that failed after the clone: the start's own words", () => {
    const outcome = carriedOutcomeOf(
      target,
      doc,
      ran([{ task: { ok: false, error: "systemd-run failed: no bus", workspace } }]),
    );
    expect(outcome).toMatchObject({
      kind: "done",
      workspace: { kind: "ok" },
      started: { kind: "failed", message: expect.stringMatching(/systemd-run failed: no bus/) },
    });
  });

  it("a task document the machine refused, or not run for want of the secrets: ccc starts it itself", () => {
    expect(
      carriedOutcomeOf(
        target,
        doc,
        ran([{ task: { ok: false, refused: true, error: "unknown task-start fields: 1" } }]),
      ),
    ).toEqual({ kind: "not-started", reason: "unknown task-start fields: 1" });
    expect(
      carriedOutcomeOf(target, doc, ran([{ task: { ok: false, notStarted: true, error: "no secrets" } }])),
    ).toEqual({ kind: "not-started", reason: "no secrets" });
  });

  it("a session that ended without the task's answer (cut, or timed out): a failure, never a start", () => {
    for (const run of [
      ran([{ progress: "Cloning into ~/work/app" }], {
        exitCode: 255,
        stderr: "Connection closed by 127.0.0.9",
      }),
      ran([], { timedOut: true }),
      ran([{ progress: "Cloning into ~/work/app" }]),
    ]) {
      const outcome = carriedOutcomeOf(target, doc, run);
      expect(outcome.kind).toBe("done");
      if (outcome.kind === "done") {
        expect(outcome.workspace.kind).toBe("failed");
        expect(outcome.started?.kind).not.toBe("ok");
      }
    }
  });
});
