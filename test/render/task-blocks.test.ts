// Issue 22: the task thread's one status message, while running and at each kind of end.
import { describe, expect, it } from "vitest";
import {
  TASK_ACTIONS,
  type TaskStatusView,
  taskAskedMessage,
  taskStatusMessage,
} from "../../src/render/block-kit/task-blocks.ts";
import { addEvents, emptyActivity } from "../../src/render/task-activity.ts";

const running: TaskStatusView = {
  taskId: "tsk-abcd2345",
  owner: "U0ALICE",
  repo: "acme/api",
  phase: "running",
  step: "Claude Code is working",
  tool: "Edit src/login.ts",
  files: ["src/login.ts", "test/login.test.ts"],
  turns: 3,
  elapsedMs: 133_000,
  instanceId: "ccc-abc234",
};

const actionsOf = (v: TaskStatusView) =>
  taskStatusMessage(v)
    .blocks.filter((b) => b.type === "actions")
    .flatMap((b) => (b as { elements: { action_id: string; value: string }[] }).elements)
    .map((e) => `${e.action_id}=${e.value}`);

describe("the task's status message", () => {
  it("shows the step, the tool, the files, the turns and the time, with Cancel, Open shell and Keep machine", () => {
    const message = taskStatusMessage(running);
    const shown = JSON.stringify(message.blocks);
    expect(message.text).toBe("Task tsk-abcd2345 on acme/api: Claude Code is working");
    expect(message.blocks[0]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: ":gear: Working on `acme/api`: Claude Code is working" },
    });
    expect(message.blocks[1]).toEqual({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: ":hammer_and_wrench: Edit src/login.ts · 2 files: `src/login.ts`, `test/login.test.ts` · 3 turns · 2 min 13 s · machine `ccc-abc234` · task `tsk-abcd2345`",
        },
      ],
    });
    expect(shown).not.toContain(TASK_ACTIONS.deleteNow);
    expect(actionsOf(running)).toEqual([
      `${TASK_ACTIONS.cancel}=tsk-abcd2345`,
      `${TASK_ACTIONS.shell}=tsk-abcd2345`,
      `${TASK_ACTIONS.keep}=tsk-abcd2345`,
    ]);
    // Kept already: nothing more to keep.
    expect(actionsOf({ ...running, kept: true })).toEqual([
      `${TASK_ACTIONS.cancel}=tsk-abcd2345`,
      `${TASK_ACTIONS.shell}=tsk-abcd2345`,
    ]);
  });

  it("offers no shell before there is a machine", () => {
    expect(actionsOf({ ...running, phase: "starting", instanceId: null })).toEqual([
      `${TASK_ACTIONS.cancel}=tsk-abcd2345`,
    ]);
  });

  it("ends with the summary, the diff stat, the pull request and the cost, and Keep / Delete now", () => {
    const done: TaskStatusView = {
      ...running,
      phase: "done",
      summary: "Fixed the <flaky> login test & its timeout.",
      diffStat: " src/login.ts | 4 ++--\n 1 file changed, 2 insertions(+), 2 deletions(-)",
      prUrl: "https://github.com/acme/api/pull/7",
      costUsd: 0.4213,
      machine: "live",
    };
    const message = taskStatusMessage(done);
    const shown = JSON.stringify(message.blocks);
    expect(message.text).toBe("Task tsk-abcd2345 on acme/api is done: https://github.com/acme/api/pull/7");
    expect(shown).toContain("<https://github.com/acme/api/pull/7|pull request>");
    expect(shown).toContain("Fixed the &lt;flaky&gt; login test &amp; its timeout.");
    expect(shown).toContain("1 file changed, 2 insertions(+)");
    expect(shown).toContain("$0.42");
    expect(shown).not.toContain("Edit src/login.ts");
    expect(actionsOf(done)).toEqual([
      `${TASK_ACTIONS.shell}=tsk-abcd2345`,
      `${TASK_ACTIONS.keep}=tsk-abcd2345`,
      `${TASK_ACTIONS.deleteNow}=tsk-abcd2345`,
    ]);
    expect(actionsOf({ ...done, machine: "deleted" })).toEqual([]);
    expect(actionsOf({ ...done, machine: "kept" })).toEqual([
      `${TASK_ACTIONS.shell}=tsk-abcd2345`,
      `${TASK_ACTIONS.deleteNow}=tsk-abcd2345`,
    ]);
  });

  it("under an unkept result, says when the machine is deleted (each reader's time zone); kept or gone, not", () => {
    const at = new Date("2026-12-07T14:22:05Z");
    const graced: TaskStatusView = { ...running, phase: "no-change", machine: "live", deletesAt: at };
    const shown = JSON.stringify(taskStatusMessage(graced).blocks);
    expect(shown).toContain(
      "This machine `ccc-abc234` is deleted at <!date^1796653325^{date_short_pretty} {time}|2026-12-07 14:22 UTC> unless you keep it.",
    );
    for (const machine of ["kept", "deleted"] as const) {
      expect(JSON.stringify(taskStatusMessage({ ...graced, machine }).blocks)).not.toContain(
        "unless you keep it",
      );
    }
    expect(JSON.stringify(taskStatusMessage({ ...graced, deletesAt: null }).blocks)).not.toContain(
      "deleted at",
    );
  });

  it("once the machine is gone, says who deleted it or why, from the task's own machine_deleted event", () => {
    const row = (seq: number, event: object) => ({
      taskId: running.taskId,
      seq,
      line: null,
      kind: "ccc",
      body: JSON.stringify(event),
      at: new Date(),
    });
    const gone = (event: object) => {
      const activity = addEvents(emptyActivity(), { repoName: "api" }, [
        row(1, { step: "no_change", detail: "Claude Code changed nothing" }),
        row(2, { step: "machine_deleted", ...event }),
      ]);
      const view: TaskStatusView = {
        ...running,
        phase: "no-change",
        machine: "deleted",
        machineDeleted: activity.machineDeleted ?? null,
      };
      return JSON.stringify(taskStatusMessage(view).blocks);
    };
    expect(
      gone({
        detail: "ccc-abc234 deleted: the grace after the task ended",
        why: "the grace after the task ended",
      }),
    ).toContain("Machine `ccc-abc234` deleted. The grace after the task ended.");
    expect(gone({ detail: "ccc-abc234 deleted by U0BOB", by: "U0BOB" })).toContain(
      "Machine `ccc-abc234` deleted. <@U0BOB> deleted it.",
    );
    expect(gone({ detail: "ccc-abc234 deleted by <ops>", by: "<ops>" })).toContain(
      "Machine `ccc-abc234` deleted. &lt;ops&gt; deleted it.",
    );
    // Recorded before this event existed: the plain words as before.
    expect(
      JSON.stringify(taskStatusMessage({ ...running, phase: "no-change", machine: "deleted" }).blocks),
    ).toContain('Machine `ccc-abc234` deleted."');
  });

  it("says when nothing changed, and which way a task failed with its last events", () => {
    expect(
      JSON.stringify(taskStatusMessage({ ...running, phase: "no-change", machine: "live" }).blocks),
    ).toContain("changed nothing in `acme/api`, so there is no pull request");
    const failed = taskStatusMessage({
      ...running,
      phase: "failed",
      failure: "the turn cap (50 turns) was reached",
      lastEvents: ["Read src/a.ts", "Bash npm test", "result: error_max_turns"],
      machine: "live",
    });
    expect(failed.text).toBe("Task tsk-abcd2345 on acme/api failed: the turn cap (50 turns) was reached");
    expect(JSON.stringify(failed.blocks)).toContain("Bash npm test\\nresult: error_max_turns");
  });

  it("stays within Slack's limits whatever the model wrote", () => {
    const message = taskStatusMessage({
      ...running,
      phase: "done",
      summary: "x".repeat(10_000),
      diffStat: "```\n".repeat(2_000),
      machine: "live",
    });
    for (const block of message.blocks) {
      const text = (block as { text?: { text: string } }).text?.text ?? "";
      expect(text.length).toBeLessThanOrEqual(3_000);
    }
  });
});

describe("the first answer in the thread", () => {
  it("quotes the ask as typed, escaped for Slack, line by line", () => {
    const message = taskAskedMessage("U0ALICE", "acme/api", 'fix "it" <now>\n$(rm -rf /) `x`');
    expect(message.blocks[0]).toEqual({
      type: "section",
      text: {
        type: "mrkdwn",
        text: '<@U0ALICE> asked for a task on `acme/api`:\n> fix "it" &lt;now&gt;\n> $(rm -rf /) `x`',
      },
    });
  });
});
